import Foundation
import SwitchboardModels

struct OfferRecord: Sendable, Equatable {
    var id: UUID
    /// Nil for an offer of a callback (`kind` `callback`), which is about no interaction yet.
    var interactionID: UUID?
    var agentID: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    var fromAgentID: String?
    var fromAgentName: String?
    var transferID: UUID?
    var createdAt: Date
    var decidedAt: Date?
    /// The due callback a `callback` offer is about, as it was when it fell due.
    var callback: CallbackSummary? = nil

    var idString: String { id.uuidString.lowercased() }

    /// What its events are about: the interaction, else the callback (the routing key rule
    /// of docs/architecture.md section 2, so one subject's events stay in order).
    var subject: String { (interactionID?.uuidString ?? callback?.id ?? id.uuidString).lowercased() }

    func view(preview: OfferPreview?) -> OfferView {
        OfferView(
            id: idString, interactionId: interactionID?.uuidString.lowercased(), agentId: agentID, kind: kind, state: state,
            expiresAt: expiresAt, fromAgent: fromAgentID.map { AgentRef(id: $0, name: fromAgentName) },
            preview: preview ?? callback?.preview ?? OfferPreview(from: nil, text: nil, origin: nil, caseData: [:]),
            transferId: transferID?.uuidString.lowercased(), createdAt: createdAt, decidedAt: decidedAt, callback: callback
        )
    }
}
