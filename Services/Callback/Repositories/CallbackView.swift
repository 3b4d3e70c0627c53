import Foundation

/// A callback as the API returns it and as the `callback.rescheduled`, `callback.cancelled`,
/// `callback.due` and `callback.completed` events carry it (DESIGN.md section 3): everything
/// a dialer or a desktop needs to act on it, so a consumer never has to call back for more.
/// Every key is always present, `null` when unset.
struct CallbackView: Codable, Sendable, Equatable {
    var id: String
    var phone: String
    var contactId: String?
    var interactionId: String?
    var dueAt: Date
    var timeZone: String?
    var target: CallbackTarget
    var channel: CallbackChannel
    var notes: String?
    var state: CallbackState
    var scheduledBy: String
    var scheduledByName: String?
    var outcome: String?
    var createdAt: Date
    var updatedAt: Date
    var firedAt: Date?
    var completedAt: Date?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(phone, forKey: .phone)
        try container.encode(contactId, forKey: .contactId)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(dueAt, forKey: .dueAt)
        try container.encode(timeZone, forKey: .timeZone)
        try container.encode(target, forKey: .target)
        try container.encode(channel, forKey: .channel)
        try container.encode(notes, forKey: .notes)
        try container.encode(state, forKey: .state)
        try container.encode(scheduledBy, forKey: .scheduledBy)
        try container.encode(scheduledByName, forKey: .scheduledByName)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(firedAt, forKey: .firedAt)
        try container.encode(completedAt, forKey: .completedAt)
    }
}
