import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// What transfer reads of session's `interaction.consultation.started`, `.message` and
/// `.ended` (`{"interaction_id", "consultation": {"id", "from_agent": {"id"}, "agent":
/// {"id"}, "state"}, "entry"?}`): who takes part and whether it is still open. The desk
/// event passes the whole payload on.
struct ConsultationChange: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var fromAgentID: String
    var agentID: String
    var isOpen: Bool
    /// `started`, `message` or `ended`: the event type's last word, the desk event's `type`.
    var type: String

    init(routingKey: String, fields: EventDataFields) throws(InvalidMessage) {
        guard let consultation = fields.object("consultation") else { throw InvalidMessage("\(routingKey) without consultation") }
        guard let id = (consultation["id"] as? String).flatMap(UUID.init(uuidString:)) else {
            throw InvalidMessage("\(routingKey): consultation.id is not a UUID")
        }
        guard let interaction = (fields.string("interaction_id") ?? consultation["interaction_id"] as? String).flatMap(UUID.init(uuidString:))
        else { throw InvalidMessage("\(routingKey): interaction_id is not a UUID") }
        guard let from = (consultation["from_agent"] as? [String: Any])?["id"] as? String, !from.isEmpty,
            let agent = (consultation["agent"] as? [String: Any])?["id"] as? String, !agent.isEmpty
        else { throw InvalidMessage("\(routingKey): consultation without from_agent.id and agent.id") }
        guard let state = consultation["state"] as? String, state == "open" || state == "ended" else {
            throw InvalidMessage("\(routingKey): consultation state is not open or ended")
        }
        self.id = id
        self.interactionID = interaction
        self.fromAgentID = from
        self.agentID = agent
        self.isOpen = state == "open"
        self.type = String(routingKey.split(separator: ".").last ?? "")
    }
}
