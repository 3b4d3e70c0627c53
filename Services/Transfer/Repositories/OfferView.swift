import Foundation
import SwitchboardModels

/// The Offer of docs/architecture.md section 3, plus `transfer_id`, `created_at`, `decided_at`. Also the
/// payload of `offer.created`, `offer.accepted`, `offer.rejected` and `offer.expired`.
struct OfferView: Codable, Sendable, Equatable {
    var id: String
    var interactionId: String
    var agentId: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    @ExplicitNull var fromAgent: AgentRef?
    var preview: OfferPreview
    @ExplicitNull var transferId: String?
    var createdAt: Date
    @ExplicitNull var decidedAt: Date?
}
