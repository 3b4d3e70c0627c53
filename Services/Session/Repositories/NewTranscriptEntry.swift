import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// A new transcript entry.
struct NewTranscriptEntry: Sendable, Equatable {
    var interactionID: UUID
    var kind: String
    var direction: String?
    var authorType: String
    var authorID: String?
    var authorName: String?
    var text: String
    var media: [String] = []
    var parts: [TranscriptEntryView.PartView] = []
    var entities: TranscriptEntities = .empty
    var messageID: String?
    var ingestSequence: Int64?
    var at: Date
    /// Media items the message came with (their ids are attached as media stores them).
    var mediaCount = 0

    /// The entry as the API will show it once appended as `seq` with these media ids: its
    /// `interaction.message.appended` carries it, built from what was written, not read back.
    func view(seq: Int, media: [String]) -> TranscriptEntryView {
        TranscriptEntryView(
            seq: seq, kind: kind, direction: direction, author: AuthorView(type: authorType, id: authorID, name: authorName), text: text,
            at: StoredTime.postgres(at), media: media, parts: parts, entities: entities
        )
    }
}
