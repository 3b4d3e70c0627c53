/// Event types of the contract (DESIGN.md section 1). The raw value is the routing key on
/// `switchboard.events` and, prefixed with `switchboard.`, the CloudEvents `type`.
public enum EventType: String, Sendable, CaseIterable {
    case messageReceived = "message.received"
    case messageStatus = "message.status"
    case consentKeyword = "consent.keyword"
    case interactionCreated = "interaction.created"
    case interactionMessageAppended = "interaction.message.appended"
    case interactionAssigned = "interaction.assigned"
    case interactionClosed = "interaction.closed"
    case interactionUpdated = "interaction.updated"
    case contactIdentified = "contact.identified"
    case contactAssigned = "contact.assigned"
    case consentChanged = "consent.changed"
    case mediaStored = "media.stored"
    case mediaFailed = "media.failed"
    case callbackScheduled = "callback.scheduled"
    case callbackRescheduled = "callback.rescheduled"
    case callbackCancelled = "callback.cancelled"
    case callbackDue = "callback.due"
    case callbackCompleted = "callback.completed"
    case contactMerged = "contact.merged"
}
