import Foundation
import SwitchboardModels

/// `GET /v1/merges?contact_id=`: the merges in which the contact was the target or the
/// source, newest first.
struct MergeFilter: Sendable, Equatable {
    var contactID: UUID
    /// The (time, id) of the last merge of the previous page.
    var cursor: KeysetCursor?
    var limit: Int = 50
}
