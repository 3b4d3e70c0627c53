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
}
