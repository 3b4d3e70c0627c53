import Foundation

/// Reads members of a CloudEvent's `data` as JSON text, without decoding them into types.
///
/// The desk stream passes some of `data` on as it is (session's interaction view and
/// transcript entry): transfer neither knows nor needs those types, and decoding them with
/// the contract's key conversion would rewrite free-form keys such as case data's.
struct EventDataFields {
    private let data: [String: Any]
    /// The event as it was written: members passed on as they are come from it.
    private let body: [UInt8]

    /// Nil when `body` is not a JSON object with an object `data`.
    init?(cloudEvent body: Data) {
        guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = event["data"] as? [String: Any]
        else { return nil }
        self.data = data
        self.body = Array(body)
    }

    func string(_ key: String) -> String? { data[key] as? String }

    /// The member `key`, when it is an object.
    func object(_ key: String) -> [String: Any]? { data[key] as? [String: Any] }

    /// The member `key` as JSON text, when it is an object: its text as the event has it
    /// (``JSONRawText``), or, where that scanner answers nil (a document not in UTF-8, one
    /// with what JSON does not allow but Foundation's parser accepts, such as a trailing
    /// comma), the object written again.
    func objectText(_ key: String) -> String? {
        guard let object = data[key] as? [String: Any] else { return nil }
        if let raw = JSONRawText.value(at: ["data", key], in: body), raw.first == UInt8(ascii: "{") {
            return String(decoding: raw, as: UTF8.self)
        }
        return Self.text(object)
    }

    /// The whole `data` with `extra` members added, as JSON text: with none added, as the
    /// event has it (see ``objectText(_:)``).
    func text(adding extra: [String: Any] = [:]) -> String? {
        if extra.isEmpty, let raw = JSONRawText.value(at: ["data"], in: body), raw.first == UInt8(ascii: "{") {
            return String(decoding: raw, as: UTF8.self)
        }
        return Self.text(data.merging(extra) { _, new in new })
    }

    static func text(_ object: [String: Any]) -> String? {
        guard JSONSerialization.isValidJSONObject(object),
            let bytes = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
