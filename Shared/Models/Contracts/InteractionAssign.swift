/// Command `interaction.assign` (to `session.commands`, key `session.interaction.assign`):
/// transfer asks session to make `agent_id` the owner, only if the owner is still
/// `expected_owner_id`.
public struct InteractionAssign: Codable, Sendable, Equatable {
    public var interactionId: String
    public var agentId: String
    public var agentName: String?
    public var expectedOwnerId: String?
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

    /// Encodes `expected_owner_id` as an explicit null (the contract's shape).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(agentId, forKey: .agentId)
        try container.encode(agentName, forKey: .agentName)
        try container.encode(expectedOwnerId, forKey: .expectedOwnerId)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(transferId, forKey: .transferId)
    }
}
