public import Foundation

/// `transfer.requested`, `transfer.accepted`, `transfer.rejected`, `transfer.expired`,
/// `transfer.completed` (from transfer): one instant transfer of an interaction, in its new
/// state. The payload is transfer's Transfer object (docs/architecture.md section 3); what
/// its consumers read is decoded here.
///
/// `target.name` and `expires_at` are read when present: transfer's events do not carry
/// them today (the expiry is that of the transfer's offer, in `offer.created`).
public struct TransferChanged: Codable, Sendable, Equatable {
    public var id: String
    public var interactionId: String
    /// The agent who asked for the transfer (the owner then).
    public var fromAgentId: String
    public var fromAgentName: String?
    public var target: Target
    /// `pending`, `accepted`, `rejected`, `expired` or `completed` (``states``).
    public var state: String
    /// Why it ended (`accepted`, `rejected`, `expired`, `requeued`, `interaction_closed`,
    /// `owner_changed`); nil while pending.
    public var reason: String?
    /// Until when the target may answer, where the publisher says.
    public var expiresAt: Date?
    public var createdAt: Date
    public var decidedAt: Date?

    public static let states = ["pending", "accepted", "rejected", "expired", "completed"]

    /// `{"type": "agent" | "queue" | "routing_point", "id", "name"?}`.
    public struct Target: Codable, Sendable, Equatable {
        public var type: String
        public var id: String
        public var name: String?

        public init(type: String, id: String, name: String?) {
            self.type = type
            self.id = id
            self.name = name
        }
    }

    public init(
        id: String, interactionId: String, fromAgentId: String, fromAgentName: String?, target: Target, state: String, reason: String?,
        expiresAt: Date?, createdAt: Date, decidedAt: Date?
    ) {
        self.id = id
        self.interactionId = interactionId
        self.fromAgentId = fromAgentId
        self.fromAgentName = fromAgentName
        self.target = target
        self.state = state
        self.reason = reason
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.decidedAt = decidedAt
    }
}
