/// What ``InboundPreviewsStatement`` returns for each interaction: the interaction with its
/// new preview, and the agents besides its owner who follow it.
struct InboundPreviewChange: Sendable {
    let interaction: InteractionProjection
    /// Agents with a pending offer for it (shown the offer again with the new preview).
    let offeredAgents: [String]
    /// Agents it is open in a consultation with.
    let consultedAgents: [String]

    /// Who is shown its transcript's changes (the rule of ``DeskFeedWriter/audience(of:on:logger:)``):
    /// the owner of an interaction that is not closed, its offered and its consulted agents.
    var audience: Set<String> {
        var agents = Set(offeredAgents).union(consultedAgents)
        if interaction.state != .closed, let owner = interaction.ownerID { agents.insert(owner) }
        return agents
    }
}
