import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// Which of transfer's own events a desktop is shown, and to whom: every `offer.*` event
/// goes to the offered agent as `offer` (the Offer object is the event's `data`). Pure.
enum OutboxDeskEvents {
    static func events(for message: OutboxMessage) -> [AddressedDeskEvent] {
        guard message.type.hasPrefix("offer."), let fields = EventDataFields(cloudEvent: message.body),
            let agentID = fields.string("agent_id"), let data = fields.text()
        else { return [] }
        return [AddressedDeskEvent(agentID: agentID, event: DeskEvent(kind: .offer, data: data))]
    }
}
