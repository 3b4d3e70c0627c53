import Foundation
import SwitchboardModels

/// The Offer of docs/architecture.md section 3, plus `transfer_id`, `created_at`, `decided_at`. Also the
/// payload of `offer.created`, `offer.accepted`, `offer.rejected`, `offer.expired` and `offer.withdrawn`.
struct OfferView: Codable, Sendable, Equatable {
    var id: String
    /// Null for a callback offer (its `callback` says whom to text).
    @ExplicitNull var interactionId: String?
    var agentId: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    @ExplicitNull var fromAgent: AgentRef?
    var preview: OfferPreview
    @ExplicitNull var transferId: String?
    var createdAt: Date
    @ExplicitNull var decidedAt: Date?
    /// The due callback of a `callback` offer, else null.
    @ExplicitNull var callback: CallbackSummary?
}
