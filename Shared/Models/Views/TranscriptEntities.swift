/// The clickable things found in one transcript entry's text.
///
/// They are extracted once, when the entry is written (session's `EntityExtractor`), and
/// stored and served with it, so that every desktop shows the same links with the same
/// warnings without parsing message text itself. The JSON shape is the contract's
/// `{"urls": [{"text", "display", "suspicious"}], "phones": ["<e164>"], "emails": [...]}`.
public struct TranscriptEntities: Sendable, Codable, Equatable {
    /// Web addresses in order of appearance, each occurrence of the same text once.
    public var urls: [URLEntity]
    /// Phone numbers in E.164, in order of first appearance, without duplicates.
    public var phones: [String]
    /// Email addresses with a lowercase domain, in order of first appearance, without
    /// duplicates.
    public var emails: [String]

    public init(urls: [URLEntity] = [], phones: [String] = [], emails: [String] = []) {
        self.urls = urls
        self.phones = phones
        self.emails = emails
    }

    /// No entities: what a system entry or a message without links carries.
    public static let empty = TranscriptEntities()
}
