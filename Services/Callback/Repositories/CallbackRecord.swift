import Foundation

/// A callback as stored, read under a row lock by the commands that change it.
struct CallbackRecord: Sendable, Equatable {
    var id: UUID
    /// E.164.
    var phone: String
    var contactID: String?
    var interactionID: UUID?
    var dueAt: Date
    /// The IANA zone the due time was given in (or given with `due_at`), for display; nil if none.
    var timeZone: String?
    var target: CallbackTarget
    var channel: CallbackChannel
    var notes: String?
    var state: CallbackState
    /// The agent who scheduled it (token `sub`) and their name.
    var scheduledBy: String
    var scheduledByName: String?
    var outcome: String?
    var createdAt: Date
    var updatedAt: Date
    /// When it last fired (`due`); cleared by a reschedule.
    var firedAt: Date?
    var completedAt: Date?
    /// The agent who accepted this firing's offer (transfer's `offer.accepted`); it may then
    /// complete the callback. Cleared by a reschedule or a new target.
    var acceptedBy: String? = nil

    var idString: String { id.uuidString.lowercased() }

    /// The API and event shape.
    var view: CallbackView {
        CallbackView(
            id: idString, phone: phone, contactId: contactID, interactionId: interactionID?.uuidString.lowercased(), dueAt: dueAt,
            timeZone: timeZone, target: target, channel: channel, notes: notes, state: state, scheduledBy: scheduledBy,
            scheduledByName: scheduledByName, outcome: outcome, createdAt: createdAt, updatedAt: updatedAt, firedAt: firedAt,
            completedAt: completedAt
        )
    }
}
