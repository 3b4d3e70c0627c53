import Foundation
import SwitchboardModels

/// Which of a value's stored properties its JSON leaves out: the check behind "every view
/// writes all of its keys" (docs/architecture.md section 3: the views and the events promise
/// every key, `null` when unset; ``ExplicitNull`` is how a property keeps its key when nil).
///
/// The value is encoded exactly as the services encode it, with `SwitchboardJSON.encoder()`,
/// and the keys of the top-level JSON object are compared with the value's stored properties
/// as `Mirror` lists them, each converted to `snake_case` by that same encoder (so the
/// names are those `SnakeCaseKeys` really writes, not a re-implementation of its rules).
/// Property-wrapper storage, which `Mirror` shows as `_name`, counts as `name`.
///
/// Build the value with every optional property nil: that is the case that matters, since
/// a plain optional is then left out while an `@ExplicitNull` one is written as `null`.
///
/// ```swift
/// let audit = try EncodedKeysAudit(of: CallbackView(..., notes: nil, ...))
/// #expect(audit.missing.isEmpty)      // every property has its key
/// #expect(audit.unexpected.isEmpty)   // and the JSON has no other
/// ```
///
/// Only the top level is audited: audit a nested view (an item of a page, a party of an
/// interaction) as a value of its own.
public struct EncodedKeysAudit: Sendable, Equatable, CustomStringConvertible {
    /// The stored properties whose key is not in the JSON, as the keys they would have
    /// (`snake_case`), sorted. A plain optional that is nil shows up here.
    public let missing: [String]
    /// The keys of the JSON that match no stored property, sorted: what a hand-written
    /// `encode(to:)` adds (the `"next": null` of a list that is never paged), or a property
    /// renamed by its `CodingKeys` and not named in `codingKeys`.
    public let unexpected: [String]
    /// Every key of the JSON object, sorted.
    public let keys: [String]
    /// The keys whose value is `null`, sorted.
    public let nullKeys: [String]

    /// Whether the JSON has exactly one key per stored property.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty }

    public var description: String {
        "missing: \(missing), unexpected: \(unexpected) (keys: \(keys), null: \(nullKeys))"
    }

    /// Encodes `value` with `SwitchboardJSON.encoder()` and compares its top-level keys with
    /// its stored properties.
    ///
    /// - Parameters:
    ///   - value: a value whose JSON is an object (a struct or class with a keyed encoding).
    ///   - codingKeys: for properties whose `CodingKeys` case has a raw value other than the
    ///     property's name, that raw value by property name (`["count24h": "count_24h"]`);
    ///     it is converted by the encoder like any key. Without it such a property is
    ///     reported both missing (under its own name) and unexpected (under its key).
    /// - Throws: ``NotAnObject`` when the JSON is not an object; the encoder's error when
    ///   the value does not encode.
    public init(of value: some Encodable, codingKeys: [String: String] = [:]) throws {
        let data = try SwitchboardJSON.encoder().encode(value)
        guard let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw NotAnObject(type: "\(type(of: value))", json: String(decoding: data, as: UTF8.self))
        }
        let properties = Self.storedPropertyNames(of: value)
        let expected = Set(try properties.map { try Self.encodedKey(codingKeys[$0] ?? $0) })
        let written = Set(object.keys)
        missing = expected.subtracting(written).sorted()
        unexpected = written.subtracting(expected).sorted()
        keys = written.sorted()
        nullKeys = object.filter { $0.value is NSNull }.keys.sorted()
    }

    /// The value's JSON was not an object (an array, a string, a number...), so it has no
    /// keys to audit.
    public struct NotAnObject: Error, CustomStringConvertible {
        public let type: String
        public let json: String

        public var description: String { "\(type) does not encode as a JSON object: \(json)" }
    }

    /// The names of the value's stored properties (its superclasses' too), in declaration
    /// order; `_name` (property-wrapper storage) is reported as `name`.
    static func storedPropertyNames(of value: Any) -> [String] {
        var names: [String] = []
        var mirror: Mirror? = Mirror(reflecting: value)
        while let current = mirror {
            for child in current.children {
                guard let label = child.label else { continue }
                names.append(label.hasPrefix("_") ? String(label.dropFirst()) : label)
            }
            mirror = current.superclassMirror
        }
        return names
    }

    /// The key `SwitchboardJSON.encoder()` writes for a coding key named `name`: a one-key
    /// object is encoded and its key read back.
    static func encodedKey(_ name: String) throws -> String {
        let data = try SwitchboardJSON.encoder().encode(OneKeyProbe(key: name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let key = object.keys.first else {
            throw NotAnObject(type: "OneKeyProbe", json: String(decoding: data, as: UTF8.self))
        }
        return key
    }
}

/// `{"<key>": 0}`, written through a keyed container so the encoder's key strategy applies.
private struct OneKeyProbe: Encodable {
    var key: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ProbeKey.self)
        try container.encode(0, forKey: ProbeKey(stringValue: key))
    }

    struct ProbeKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
