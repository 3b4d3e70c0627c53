import Foundation
import SwitchboardModels

/// Filters of `GET /v1/callbacks`; nil means "any". `visibleTo` limits an agent to what
/// ``CallbackAccess`` lets it see: callbacks it scheduled, targeted at it, or at a queue.
struct CallbackFilter: Sendable, Equatable {
    var state: CallbackState?
    var target: CallbackTarget?
    var dueBefore: Date?
    var cursor: KeysetCursor?
    var limit: Int
    var visibleTo: String?
}
