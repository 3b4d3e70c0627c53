public import Foundation

/// `interaction.message.updated`: a committed transcript entry changed — a `message.status`
/// moved a part of an outbound message (its status, or the carrier's error on it). Emitted
/// only when something changed: a repeated or overtaken receipt emits nothing.
///
/// It carries the whole entry as it now is, so that a consumer showing the transcript
/// (transfer's live stream to agent desktops) replaces its copy without reading session's
/// tables.
public struct InteractionMessageUpdated: Codable, Sendable, Equatable {
    public var interactionId: String
    public var seq: Int
    /// The entry as `GET /v1/interactions/{id}` now shows it in the transcript.
    public var entry: TranscriptEntryView
    /// When session applied the change.
    public var at: Date

    public init(interactionId: String, seq: Int, entry: TranscriptEntryView, at: Date) {
        self.interactionId = interactionId
        self.seq = seq
        self.entry = entry
        self.at = at
    }
}
