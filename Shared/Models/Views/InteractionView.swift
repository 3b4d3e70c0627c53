public import Foundation

/// An interaction as session's API shows it; every key is present (`null` when unset).
/// Session's `interaction.created`, `.assigned`, `.updated` and `.closed` events carry it
/// without its transcript, as it stood when the event's transaction committed, so that a
/// consumer showing interactions (transfer's live stream) never reads session's tables.
public struct InteractionView: Codable, Sendable, Equatable {
    public var id: String
    public var state: String
    public var mode: String
    public var media: String
    public var channel: String
    public var from: String
    public var to: String
    public var queue: String
    public var origin: String
    @ExplicitNull public var contact: PartyView?
    @ExplicitNull public var owner: PartyView?
    public var createdAt: Date
    @ExplicitNull public var closedAt: Date?
    @ExplicitNull public var closeReason: String?
    public var elapsedSeconds: Int
    @ExplicitNull public var disposition: String?
    @ExplicitNull public var note: String?
    public var caseData: [String: String]
    /// Present on single reads; absent from lists and events.
    public var transcript: [TranscriptEntryView]?

    public init(
        id: String, state: String, mode: String, media: String, channel: String, from: String, to: String, queue: String, origin: String,
        contact: PartyView?, owner: PartyView?, createdAt: Date, closedAt: Date?, closeReason: String?, elapsedSeconds: Int,
        disposition: String?, note: String?, caseData: [String: String], transcript: [TranscriptEntryView]? = nil
    ) {
        self.id = id
        self.state = state
        self.mode = mode
        self.media = media
        self.channel = channel
        self.from = from
        self.to = to
        self.queue = queue
        self.origin = origin
        self.contact = contact
        self.owner = owner
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.closeReason = closeReason
        self.elapsedSeconds = elapsedSeconds
        self.disposition = disposition
        self.note = note
        self.caseData = caseData
        self.transcript = transcript
    }
}
