import Foundation
import SwitchboardModels

struct OfferRecord: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var agentID: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    var fromAgentID: String?
    var fromAgentName: String?
    var transferID: UUID?
    var createdAt: Date
    var decidedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    func view(preview: OfferPreview?) -> OfferView {
        OfferView(
            id: idString, interactionId: interactionID.uuidString.lowercased(), agentId: agentID, kind: kind, state: state,
            expiresAt: expiresAt, fromAgent: fromAgentID.map { AgentRef(id: $0, name: fromAgentName) },
            preview: preview ?? OfferPreview(from: nil, text: nil, origin: nil, caseData: [:]),
            transferId: transferID?.uuidString.lowercased(), createdAt: createdAt, decidedAt: decidedAt
        )
    }
}
