import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Filters of `GET /v1/interactions`; nil means "any". `visibleTo` limits an agent to the
/// interactions it owns or owned, and those it is consulted on while the consultation is open.
struct InteractionFilter: Sendable, Equatable {
    var from: String?
    var to: String?
    var contactID: String?
    var ownerID: String?
    /// The queue its number settings gave it when it was created (a supervisor's view of one
    /// queue, docs/architecture.md section 10.3); a transfer to another queue does not change it.
    var queue: String?
    var state: String?
    var createdAfter: Date?
    var createdBefore: Date?
    var cursor: KeysetCursor?
    var limit: Int
    var visibleTo: String?
}
