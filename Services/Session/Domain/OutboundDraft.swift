/// A validated `POST /v1/interactions`: an agent texting a customer first.
struct OutboundDraft: Sendable, Equatable {
    /// The customer's number (E.164): the interaction's `from`, the SMS's `to`.
    var customer: String
    /// The organisation's number (E.164 or short code): the interaction's `to`, the SMS's `from`.
    var organisation: String
    /// The first message, trimmed and segmented.
    var message: MessageText
    /// The channel the request names; nil lets ``OutboundChannelChoice`` choose.
    var channel: String?
}
