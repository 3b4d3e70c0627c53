import Foundation
import SwitchboardModels

/// A consultation as `session.consultations` holds it, read (or written and returned) under
/// the interaction's row lock by the commands that change it.
struct ConsultationRecord: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var fromAgentID: String
    var fromAgentName: String?
    var agentID: String
    var state: ConsultationState
    var startedAt: Date
    var endedAt: Date?
    var endedByID: String?
    var endedByName: String?

    /// Its two agents: the owner who invited, and the agent consulted.
    var parties: Set<String> { [fromAgentID, agentID] }

    /// As the API and the `interaction.consultation.*` events show it.
    var view: ConsultationView {
        ConsultationView(
            id: id.uuidString.lowercased(), interactionId: interactionID.uuidString.lowercased(),
            fromAgent: PartyView(id: fromAgentID, name: fromAgentName), agent: PartyView(id: agentID, name: nil), state: state.rawValue,
            startedAt: startedAt, endedAt: endedAt, endedBy: endedByID.map { PartyView(id: $0, name: endedByName) }
        )
    }
}
