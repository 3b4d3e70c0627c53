public import Foundation

/// An IM consultation between an interaction's owner and another agent (docs/architecture.md
/// section 10.3), as session's API shows it and its `interaction.consultation.*` events carry
/// it, so that a consumer showing it (transfer's live stream) never reads session's tables.
/// Every key is present, `null` when unset.
public struct ConsultationView: Codable, Sendable, Equatable {
    public var id: String
    public var interactionId: String
    /// The owner who invited, with the name its token carried.
    public var fromAgent: PartyView
    /// The consulted agent; `name` is null (session does not own the agent directory).
    public var agent: PartyView
    /// `open` or `ended`.
    public var state: String
    public var startedAt: Date
    @ExplicitNull public var endedAt: Date?
    /// Who ended it (one of its agents, a supervisor or an admin); null while open, and when
    /// it ended by itself because the interaction closed or changed owner.
    @ExplicitNull public var endedBy: PartyView?

    public init(
        id: String, interactionId: String, fromAgent: PartyView, agent: PartyView, state: String, startedAt: Date, endedAt: Date?,
        endedBy: PartyView?
    ) {
        self.id = id
        self.interactionId = interactionId
        self.fromAgent = fromAgent
        self.agent = agent
        self.state = state
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.endedBy = endedBy
    }
}
