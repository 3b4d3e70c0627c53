import Foundation
import SwitchboardModels

/// A plain inbound SMS's transcript entry, for the batch path
/// (``PostgresInteractionStore/writeInbound(created:entries:sequencing:on:logger:)``): kind `message`, direction `inbound`,
/// author the customer, no media.
struct InboundEntry: Sendable, Equatable {
    var interactionID: UUID
    /// Ingest's message id (unique in a batch).
    var messageID: String
    /// The customer's number, the entry's author.
    var customer: String
    var text: String
    var entities: TranscriptEntities
    var ingestSequence: Int64
    var at: Date

    /// The entry as the API will show it once appended as `seq` (what
    /// ``PostgresInteractionStore/writeInbound(created:entries:sequencing:on:logger:)`` writes), for its
    /// event.
    func view(seq: Int) -> TranscriptEntryView {
        TranscriptEntryView(
            seq: seq, kind: "message", direction: "inbound", author: AuthorView(type: "contact", id: customer, name: nil), text: text,
            at: StoredTime.postgres(at), media: [], parts: [], entities: entities
        )
    }
}
