import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// An offer as session keeps it (`session.offers`), from an `offer.*` event whose ids and
/// state were checked: a malformed event is refused (dead-lettered), never half applied.
struct ProjectedOffer: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var agentID: String
    var kind: String
    var state: String
    var transferID: UUID?
    var expiresAt: Date
    var createdAt: Date
    var decidedAt: Date?

    /// Nil for an offer of no interaction (a callback offer): nothing of session's to show.
    init?(_ event: OfferChanged) throws(InvalidMessage) {
        guard let interaction = event.interactionId else { return nil }
        guard let id = UUID(uuidString: event.id) else { throw InvalidMessage("id is not a UUID") }
        guard let interactionID = UUID(uuidString: interaction) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.agentId.isEmpty else { throw InvalidMessage("agent_id is empty") }
        guard OfferChanged.states.contains(event.state) else { throw InvalidMessage("unknown offer state \(event.state)") }
        var transferID: UUID?
        if let transfer = event.transferId {
            guard let parsed = UUID(uuidString: transfer) else { throw InvalidMessage("transfer_id is not a UUID") }
            transferID = parsed
        }
        self.id = id
        self.interactionID = interactionID
        self.agentID = event.agentId
        self.kind = event.kind
        self.state = event.state
        self.transferID = transferID
        self.expiresAt = event.expiresAt
        self.createdAt = event.createdAt
        self.decidedAt = event.decidedAt
    }
}
