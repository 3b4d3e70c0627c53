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
    /// The interaction as `GET /v1/interactions/{id}` shows it, without its transcript (see
    /// ``InteractionView``). Optional for events published before it existed.
    public var interaction: InteractionView?

    public init(
        interactionId: String, mode: String, media: String, from: String, to: String, queue: String, origin: String, createdAt: Date,
        interaction: InteractionView? = nil
    ) {
        self.interactionId = interactionId
        self.mode = mode
        self.media = media
        self.from = from
        self.to = to
        self.queue = queue
        self.origin = origin
        self.createdAt = createdAt
        self.interaction = interaction
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
    /// The entry as `GET /v1/interactions/{id}` shows it in the transcript, built from what
    /// session wrote (no read back): what a desktop displays without asking session.
    /// Optional for events published before it existed.
    public var entry: TranscriptEntryView?

    public init(
        interactionId: String, seq: Int, kind: String, direction: String?, messageId: String?, at: Date, mediaCount: Int? = nil,
        entry: TranscriptEntryView? = nil
    ) {
        self.interactionId = interactionId
        self.seq = seq
        self.kind = kind
        self.direction = direction
        self.messageId = messageId
        self.at = at
        self.mediaCount = mediaCount
        self.entry = entry
    }
}
