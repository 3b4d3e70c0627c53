/// An SMS to send, published to `switchboard.outbound` with key `sms.<channel>` for
/// carrier connectors (docs/architecture.md section 2). `parts` are whole SMS, so a connector that
/// cannot concatenate sends them one by one; one that can uses `text`.
public struct OutboundSMS: Codable, Sendable, Equatable {
    public var messageId: String
    /// The interaction the reply belongs to; null for a keyword confirmation, which ingest
    /// sends on its own (docs/architecture.md 10.1).
    public var interactionId: String?
    public var channel: String
    /// The organisation number it is sent from.
    public var from: String
    /// The customer's number.
    public var to: String
    public var text: String
    public var encoding: String
    public var parts: [String]

    public init(messageId: String, interactionId: String?, channel: String, from: String, to: String, text: String, encoding: String, parts: [String])
    {
        self.messageId = messageId
        self.interactionId = interactionId
        self.channel = channel
        self.from = from
        self.to = to
        self.text = text
        self.encoding = encoding
        self.parts = parts
    }
}
