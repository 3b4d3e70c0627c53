import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Filters of `GET /v1/interactions`; nil means "any". `visibleTo` limits an agent to the
/// interactions it owns or owned.
struct InteractionFilter: Sendable, Equatable {
    var from: String?
    var to: String?
    var contactID: String?
    var ownerID: String?
    var state: String?
    var createdAfter: Date?
    var createdBefore: Date?
    var cursor: KeysetCursor?
    var limit: Int
    var visibleTo: String?
}
