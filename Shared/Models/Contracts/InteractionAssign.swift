/// Command `interaction.assign` (to `session.commands`, key `session.interaction.assign`):
/// transfer asks session to make `agent_id` the owner, only if the owner is still
/// `expected_owner_id`.
public struct InteractionAssign: Codable, Sendable, Equatable {
    public var interactionId: String
    public var agentId: String
    @ExplicitNull public var agentName: String?
    @ExplicitNull public var expectedOwnerId: String?
    /// `routed` or `transferred`.
    public var reason: String
    public var transferId: String?

    public init(interactionId: String, agentId: String, agentName: String?, expectedOwnerId: String?, reason: String, transferId: String?) {
        self.interactionId = interactionId
        self.agentId = agentId
        self.agentName = agentName
        self.expectedOwnerId = expectedOwnerId
        self.reason = reason
        self.transferId = transferId
    }
}
