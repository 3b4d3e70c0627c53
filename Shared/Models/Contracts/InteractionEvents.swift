public import Foundation

/// `interaction.created`.
public struct InteractionCreated: Codable, Sendable, Equatable {
    public var interactionId: String
    public var mode: String
    public var media: String
    public var from: String
    public var to: String
    public var queue: String
    public var origin: String
    public var createdAt: Date

    public init(interactionId: String, mode: String, media: String, from: String, to: String, queue: String, origin: String, createdAt: Date) {
        self.interactionId = interactionId
        self.mode = mode
        self.media = media
        self.from = from
        self.to = to
        self.queue = queue
        self.origin = origin
        self.createdAt = createdAt
    }
}

/// `interaction.message.appended`: a transcript entry was committed.
public struct InteractionMessageAppended: Codable, Sendable, Equatable {
    public var interactionId: String
    public var seq: Int
    public var kind: String
    public var direction: String?
    public var messageId: String?
    public var at: Date
    /// How many media items (MMS) the message carries; lets consumers that care only about
    /// media (the media service's access projection) skip plain SMS without a transaction.
    public var mediaCount: Int?

    public init(interactionId: String, seq: Int, kind: String, direction: String?, messageId: String?, at: Date, mediaCount: Int? = nil) {
        self.interactionId = interactionId
        self.seq = seq
        self.kind = kind
        self.direction = direction
        self.messageId = messageId
        self.at = at
        self.mediaCount = mediaCount
    }
}
