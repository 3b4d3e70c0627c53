import Foundation

/// The callback of a `callback.due`, `callback.rescheduled`, `callback.cancelled` or
/// `callback.completed` event (the callback service's Callback object, docs/architecture.md
/// section 3): what transfer needs to offer it to a person. Keys transfer does not use are
/// ignored, so the callback service may add some.
struct CallbackEventPayload: Codable, Sendable, Equatable {
    var id: String
    var phone: String
    var contactId: String?
    var interactionId: String?
    var dueAt: Date
    var target: CallbackSummary.Target
    /// `sms` callbacks reach the SMS desk; `voice` ones are a dialer's.
    var channel: String
    var notes: String?
    var state: String
    var scheduledBy: String
    var scheduledByName: String?

    /// Only SMS callbacks are offered to agents of this desk.
    var isForTheDesk: Bool { channel == "sms" }

    var summary: CallbackSummary {
        CallbackSummary(
            id: id, phone: phone, contactId: contactId, interactionId: interactionId, notes: notes, dueAt: dueAt, target: target,
            scheduledBy: scheduledBy, scheduledByName: scheduledByName)
    }
}
