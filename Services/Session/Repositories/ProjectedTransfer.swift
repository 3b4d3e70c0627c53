import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// A transfer as session keeps it (`session.transfers`), from a `transfer.*` event whose ids
/// and state were checked.
struct ProjectedTransfer: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var fromAgentID: String
    var fromAgentName: String?
    var targetType: String
    var targetID: String
    var targetName: String?
    var state: String
    var expiresAt: Date?
    var createdAt: Date
    var decidedAt: Date?

    init(_ event: TransferChanged) throws(InvalidMessage) {
        guard let id = UUID(uuidString: event.id) else { throw InvalidMessage("id is not a UUID") }
        guard let interactionID = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.fromAgentId.isEmpty else { throw InvalidMessage("from_agent_id is empty") }
        guard !event.target.type.isEmpty, !event.target.id.isEmpty else { throw InvalidMessage("target needs a type and an id") }
        guard TransferChanged.states.contains(event.state) else { throw InvalidMessage("unknown transfer state \(event.state)") }
        self.id = id
        self.interactionID = interactionID
        self.fromAgentID = event.fromAgentId
        self.fromAgentName = event.fromAgentName
        self.targetType = event.target.type
        self.targetID = event.target.id
        self.targetName = event.target.name
        self.state = event.state
        self.expiresAt = event.expiresAt
        self.createdAt = event.createdAt
        self.decidedAt = event.decidedAt
    }
}
