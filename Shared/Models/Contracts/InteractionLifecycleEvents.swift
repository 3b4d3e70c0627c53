public import Foundation

/// `interaction.assigned`: session applied an assignment.
public struct InteractionAssigned: Codable, Sendable, Equatable {
    public var interactionId: String
    public var agentId: String
    public var agentName: String?
    public var previousOwnerId: String?
    public var reason: String
    public var transferId: String?
    public var at: Date
    /// The interaction as `GET /v1/interactions/{id}` shows it once this change is made,
    /// without its transcript (see ``InteractionView``). Optional for events published
    /// before it existed.
    public var interaction: InteractionView?

    public init(
        interactionId: String, agentId: String, agentName: String?, previousOwnerId: String?, reason: String, transferId: String?, at: Date,
        interaction: InteractionView? = nil
    ) {
        self.interactionId = interactionId
        self.agentId = agentId
        self.agentName = agentName
        self.previousOwnerId = previousOwnerId
        self.reason = reason
        self.transferId = transferId
        self.at = at
        self.interaction = interaction
    }
}

/// `interaction.closed`: reason `replied` (Page mode reply), `done` or `timeout`.
public struct InteractionClosed: Codable, Sendable, Equatable {
    public var interactionId: String
    public var reason: String
    public var ownerId: String?
    public var from: String
    public var to: String
    public var mode: String
    public var disposition: String?
    public var closedAt: Date
    /// The interaction as `GET /v1/interactions/{id}` shows it once this change is made,
    /// without its transcript (see ``InteractionView``). Optional for events published
    /// before it existed.
    public var interaction: InteractionView?

    public init(
        interactionId: String, reason: String, ownerId: String?, from: String, to: String, mode: String, disposition: String?, closedAt: Date,
        interaction: InteractionView? = nil
    ) {
        self.interactionId = interactionId
        self.reason = reason
        self.ownerId = ownerId
        self.from = from
        self.to = to
        self.mode = mode
        self.disposition = disposition
        self.closedAt = closedAt
        self.interaction = interaction
    }
}

/// `interaction.updated`: disposition, note or case data changed.
public struct InteractionUpdated: Codable, Sendable, Equatable {
    public var interactionId: String
    /// Which field changed: `disposition`, `note` or `case_data`.
    public var field: String
    public var agentId: String
    public var disposition: String?
    public var note: String?
    public var caseData: [String: String]?
    public var at: Date
    /// The interaction as `GET /v1/interactions/{id}` shows it once this change is made,
    /// without its transcript (see ``InteractionView``). Optional for events published
    /// before it existed.
    public var interaction: InteractionView?

    public init(
        interactionId: String, field: String, agentId: String, disposition: String?, note: String?, caseData: [String: String]?, at: Date,
        interaction: InteractionView? = nil
    ) {
        self.interactionId = interactionId
        self.field = field
        self.agentId = agentId
        self.disposition = disposition
        self.note = note
        self.caseData = caseData
        self.at = at
        self.interaction = interaction
    }
}
