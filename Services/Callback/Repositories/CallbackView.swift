import Foundation
import SwitchboardModels

/// A callback as the API returns it and as the `callback.rescheduled`, `callback.cancelled`,
/// `callback.due` and `callback.completed` events carry it (docs/architecture.md section 3): everything
/// a dialer or a desktop needs to act on it, so a consumer never has to call back for more.
/// Every key is always present, `null` when unset.
struct CallbackView: Codable, Sendable, Equatable {
    var id: String
    var phone: String
    @ExplicitNull var contactId: String?
    @ExplicitNull var interactionId: String?
    var dueAt: Date
    @ExplicitNull var timeZone: String?
    var target: CallbackTarget
    var channel: CallbackChannel
    @ExplicitNull var notes: String?
    var state: CallbackState
    var scheduledBy: String
    @ExplicitNull var scheduledByName: String?
    @ExplicitNull var outcome: String?
    var createdAt: Date
    var updatedAt: Date
    @ExplicitNull var firedAt: Date?
    @ExplicitNull var completedAt: Date?
}
