public import Foundation

/// `offer.created`, `offer.accepted`, `offer.rejected`, `offer.expired` (from transfer): one
/// offer of an interaction to an agent, in its new state. The payload is transfer's Offer
/// object (docs/architecture.md section 3); what its consumers read is decoded here, the
/// `preview` is left to those who show it.
public struct OfferChanged: Codable, Sendable, Equatable {
    public var id: String
    /// Nil for an offer of no interaction (a callback offer, section 10.3).
    public var interactionId: String?
    /// The agent the offer is made to.
    public var agentId: String
    /// `route` (a new arrival, or one transferred to a queue), `transfer` (an instant
    /// transfer to this agent) or `callback` (a due callback); consumers keep kinds they do
    /// not know.
    public var kind: String
    /// `pending`, `accepted`, `rejected`, `expired` or (a callback offer only) `withdrawn` (``states``).
    public var state: String
    public var expiresAt: Date
    /// The agent transferring it, for a transfer or an interaction transferred to a queue.
    public var fromAgent: Agent?
    /// The transfer a `transfer` offer belongs to.
    public var transferId: String?
    public var createdAt: Date
    /// When it was accepted, rejected or expired; nil while pending.
    public var decidedAt: Date?

    public static let states = ["pending", "accepted", "rejected", "expired", "withdrawn"]

    /// `{"id", "name"}` of an agent.
    public struct Agent: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?

        public init(id: String, name: String?) {
            self.id = id
            self.name = name
        }
    }

    public init(
        id: String, interactionId: String?, agentId: String, kind: String, state: String, expiresAt: Date, fromAgent: Agent?,
        transferId: String?, createdAt: Date, decidedAt: Date?
    ) {
        self.id = id
        self.interactionId = interactionId
        self.agentId = agentId
        self.kind = kind
        self.state = state
        self.expiresAt = expiresAt
        self.fromAgent = fromAgent
        self.transferId = transferId
        self.createdAt = createdAt
        self.decidedAt = decidedAt
    }
}
