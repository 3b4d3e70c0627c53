public import Foundation

/// A transcript entry as session's API shows it (docs/architecture.md section 3), and as
/// its `interaction.message.appended` and `interaction.message.updated` events carry it, so
/// that a consumer showing the entry (transfer's live stream to agent desktops) never
/// reads session's tables. Every key is present, `null` when unset.
public struct TranscriptEntryView: Codable, Sendable, Equatable {
    public var seq: Int
    /// `message`, `system`, or `internal` (an agent's message in an IM consultation, never
    /// sent to the customer).
    public var kind: String
    /// `inbound`, `outbound`, or nil for a system or internal entry.
    @ExplicitNull public var direction: String?
    public var author: AuthorView
    public var text: String
    public var at: Date
    /// Ids of the entry's media (served by the media service).
    public var media: [String]
    /// The SMS parts of an outbound message and their delivery status; empty otherwise.
    public var parts: [PartView]
    public var entities: TranscriptEntities

    public init(
        seq: Int, kind: String, direction: String?, author: AuthorView, text: String, at: Date, media: [String], parts: [PartView],
        entities: TranscriptEntities
    ) {
        self.seq = seq
        self.kind = kind
        self.direction = direction
        self.author = author
        self.text = text
        self.at = at
        self.media = media
        self.parts = parts
        self.entities = entities
    }
}
