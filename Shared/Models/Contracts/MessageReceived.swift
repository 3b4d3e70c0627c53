public import Foundation

/// `message.received`: an inbound SMS/MMS accepted by ingest, numbers in E.164.
public struct MessageReceived: Codable, Sendable, Equatable {
    /// A media item of an MMS; its bytes are fetched by the media service.
    public struct MediaItem: Codable, Sendable, Equatable {
        public var index: Int
        public var contentType: String?
        public var filename: String?

        public init(index: Int, contentType: String?, filename: String?) {
            self.index = index
            self.contentType = contentType
            self.filename = filename
        }
    }

    /// Ingest's own id for the message (a UUID).
    public var messageId: String
    public var channel: String
    /// The carrier's id; `(channel, carrier_message_id)` is the dedup key.
    public var carrierMessageId: String
    /// The customer's number.
    public var from: String
    /// The organisation's number that was texted.
    public var to: String
    public var text: String
    public var media: [MediaItem]
    public var receivedAt: Date
    public var acceptedAt: Date
    /// Increases with each message ingest accepts; orders a conversation's messages.
    public var sequence: Int64
    /// True when a concatenated SMS was emitted after the reassembly wait with parts missing.
    public var incomplete: Bool?

    public init(
        messageId: String, channel: String, carrierMessageId: String, from: String, to: String, text: String,
        media: [MediaItem], receivedAt: Date, acceptedAt: Date, sequence: Int64, incomplete: Bool? = nil
    ) {
        self.incomplete = incomplete
        self.messageId = messageId
        self.channel = channel
        self.carrierMessageId = carrierMessageId
        self.from = from
        self.to = to
        self.text = text
        self.media = media
        self.receivedAt = receivedAt
        self.acceptedAt = acceptedAt
        self.sequence = sequence
    }

    /// The conversation: one customer number with one organisation number.
    public var conversationKey: String { ConversationKey.make(customer: from, organisation: to) }
}
