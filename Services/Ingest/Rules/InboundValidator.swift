import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// The rules for an inbound message (docs/architecture.md section 2), without I/O: required fields,
/// numbers normalised to E.164 (national numbers in the channel's region, else the
/// service's default region; the organisation number may be a short code), text or media
/// present, sizes bounded, and a concatenated SMS part's `part` coherent (`ref` 0–65535,
/// `total` 1–255, `seq` 1…`total`; a `part` with `total` 1 is a whole message).
struct InboundValidator: Sendable {
    let defaultRegion: String
    let normalizer = PhoneNumberNormalizer()
    static let maxTextLength = 10_000
    static let maxMediaItems = 10
    static let maxIDLength = 256

    static let maxPartRef = 65_535
    static let maxPartTotal = 255

    /// The first string field holding U+0000 (``NULCharacter``: refused, never stored).
    static func fieldWithNUL(_ message: InboundMessage) -> String? {
        let fields: [(String, String?)] = [
            ("id", message.id), ("channel", message.channel), ("from", message.from), ("to", message.to),
            ("text", message.text), ("received_at", message.receivedAt),
        ]
        if let (name, _) = fields.first(where: { NULCharacter.isIn($0.1 ?? "") }) { return name }
        for (index, item) in (message.media ?? []).enumerated() {
            let itemFields: [(String, String?)] = [
                ("url", item.url), ("data", item.data), ("content_type", item.contentType), ("filename", item.filename),
            ]
            if let (name, _) = itemFields.first(where: { NULCharacter.isIn($0.1 ?? "") }) { return "media[\(index)].\(name)" }
        }
        return nil
    }

    /// - Parameter region: the channel's `default_region`; nil: the service's.
    func validate(_ message: InboundMessage, now: Date, region: String? = nil) throws(InvalidMessage) -> ValidatedInbound {
        let defaultRegion = region ?? self.defaultRegion
        if let field = Self.fieldWithNUL(message) { throw InvalidMessage("\(field) contains a NUL character (U+0000)") }
        guard let id = message.id?.trimmingCharacters(in: .whitespaces), !id.isEmpty else {
            throw InvalidMessage("missing field id (the carrier's message id)")
        }
        guard id.count <= Self.maxIDLength else { throw InvalidMessage("id is longer than \(Self.maxIDLength) characters") }
        let channel = (message.channel?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard channel.count <= 64, channel.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw InvalidMessage("channel must be 1-64 letters, digits, '-', '_' or '.'")
        }
        guard let rawFrom = message.from, !rawFrom.isEmpty else { throw InvalidMessage("missing field from") }
        guard let rawTo = message.to, !rawTo.isEmpty else { throw InvalidMessage("missing field to") }
        let from: String
        do { from = try normalizer.normalize(rawFrom, defaultRegion: defaultRegion) } catch {
            throw InvalidMessage("from is not a valid phone number: \(error.description)")
        }
        let to: String
        do { to = try normalizer.normalizeAddress(rawTo, defaultRegion: defaultRegion) } catch {
            throw InvalidMessage("to is not a valid phone number or short code: \(error.description)")
        }
        let media = message.media ?? []
        let text = message.text ?? ""
        guard !text.isEmpty || !media.isEmpty else { throw InvalidMessage("text is required unless media is present") }
        guard text.count <= Self.maxTextLength else { throw InvalidMessage("text is longer than \(Self.maxTextLength) characters") }
        guard media.count <= Self.maxMediaItems else { throw InvalidMessage("more than \(Self.maxMediaItems) media items") }
        for (index, item) in media.enumerated() {
            let hasURL = !(item.url ?? "").isEmpty
            let hasData = !(item.data ?? "").isEmpty
            guard hasURL != hasData else { throw InvalidMessage("media[\(index)] needs exactly one of url or data") }
            if hasData, Data(base64Encoded: item.data ?? "", options: .ignoreUnknownCharacters) == nil {
                throw InvalidMessage("media[\(index)].data is not valid base64")
            }
            if let url = item.url, hasURL {
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                    throw InvalidMessage("media[\(index)].url must be an http or https URL")
                }
            }
        }
        var part: InboundMessage.Part?
        if let given = message.part {
            guard (0...Self.maxPartRef).contains(given.ref) else { throw InvalidMessage("part.ref must be 0-\(Self.maxPartRef)") }
            guard (1...Self.maxPartTotal).contains(given.total) else { throw InvalidMessage("part.total must be 1-\(Self.maxPartTotal)") }
            guard (1...given.total).contains(given.seq) else { throw InvalidMessage("part.seq must be 1-\(given.total) (part.total)") }
            part = given.total > 1 ? given : nil
        }
        var receivedAt = now
        if let text = message.receivedAt {
            guard let parsed = RFC3339.date(from: text) else { throw InvalidMessage("received_at is not an RFC 3339 time") }
            receivedAt = parsed
        }
        return ValidatedInbound(
            channel: channel, carrierMessageID: id, from: from, to: to, text: text,
            media: media.enumerated().map { index, item in
                ValidatedInbound.Media(index: index, url: item.url, data: item.data, contentType: item.contentType, filename: item.filename)
            },
            receivedAt: receivedAt, part: part
        )
    }
}
