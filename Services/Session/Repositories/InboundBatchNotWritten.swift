import Foundation

/// A batch of inbound SMS whose write left out an interaction's entries: the interaction no
/// longer exists, or its numbering moved after the batch read it (which its row lock should
/// make impossible). The transaction is rolled back and the batch's messages are handled one
/// by one (``InboundBatchHandler``).
struct InboundBatchNotWritten: Error, CustomStringConvertible {
    let interactionID: UUID
    var description: String {
        "the batch's entries of interaction \(interactionID) were not written: it no longer exists or its numbering moved since it was read"
    }
}
