import Foundation

/// Where an interaction is, as far as routing is concerned (the projection of session's
/// events plus routing's own progress):
/// `queued` (waiting for an agent) → `offered` (one pending route offer) → `assigning`
/// (accepted; the `interaction.assign` command is on its way) → `active` (owned, from
/// `interaction.assigned`) → `closed`. A transfer to a queue takes `active` back to
/// `queued` (the owner in session stays the source until someone accepts).
enum ProjectionState: String, Sendable, Codable, Equatable, CaseIterable {
    case queued, offered, assigning, active, closed
}

struct InteractionProjection: Sendable, Equatable {
    var id: UUID
    var queue: String
    var state: ProjectionState
    /// The owner in session (what `interaction.assigned` last said).
    var ownerID: String?
    var ownerName: String?
    /// The agent whose accepted offer awaits its `interaction.assigned`.
    var assigningTo: String?
    /// The transfer a queued interaction came from (to a queue or routing point).
    var transferID: UUID?
    var fromNumber: String?
    var origin: String?
    var mode: String?
    var media: String?
    /// `interaction.created` does not carry the first message's text: nil until an event
    /// does (none does today).
    var previewText: String?
    var caseData: [String: String]
    var queuedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var closedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    var preview: OfferPreview {
        OfferPreview(from: fromNumber, text: previewText, origin: origin, caseData: caseData)
    }
}

struct OfferRecord: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var agentID: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    var fromAgentID: String?
    var fromAgentName: String?
    var transferID: UUID?
    var createdAt: Date
    var decidedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    func view(preview: OfferPreview?) -> OfferView {
        OfferView(
            id: idString, interactionId: interactionID.uuidString.lowercased(), agentId: agentID, kind: kind, state: state,
            expiresAt: expiresAt, fromAgent: fromAgentID.map { AgentRef(id: $0, name: fromAgentName) },
            preview: preview ?? OfferPreview(from: nil, text: nil, origin: nil, caseData: [:]),
            transferId: transferID?.uuidString.lowercased(), createdAt: createdAt, decidedAt: decidedAt
        )
    }
}

struct AgentRef: Codable, Sendable, Equatable {
    var id: String
    var name: String?
}

/// `{"from", "text", "origin", "case_data"}`: what the desktop shows before accepting.
/// `text` is null: the first message's text is not in `interaction.created`.
struct OfferPreview: Codable, Sendable, Equatable {
    var from: String?
    var text: String?
    var origin: String?
    var caseData: [String: String]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(text, forKey: .text)
        try container.encode(origin, forKey: .origin)
        try container.encode(caseData, forKey: .caseData)
    }
}

/// The Offer of DESIGN.md section 3, plus `transfer_id`, `created_at`, `decided_at`. Also the
/// payload of `offer.created`, `offer.accepted`, `offer.rejected` and `offer.expired`.
struct OfferView: Codable, Sendable, Equatable {
    var id: String
    var interactionId: String
    var agentId: String
    var kind: OfferKind
    var state: OfferState
    var expiresAt: Date
    var fromAgent: AgentRef?
    var preview: OfferPreview
    var transferId: String?
    var createdAt: Date
    var decidedAt: Date?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(agentId, forKey: .agentId)
        try container.encode(kind, forKey: .kind)
        try container.encode(state, forKey: .state)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(fromAgent, forKey: .fromAgent)
        try container.encode(preview, forKey: .preview)
        try container.encode(transferId, forKey: .transferId)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(decidedAt, forKey: .decidedAt)
    }
}

struct TransferRecord: Sendable, Equatable {
    var id: UUID
    var interactionID: UUID
    var fromAgentID: String
    var fromAgentName: String?
    var target: TransferTarget
    /// The queue a queue or routing-point transfer put the interaction in.
    var targetQueue: String?
    var note: String?
    var state: TransferState
    /// Why it ended: `accepted`, `rejected`, `expired` (by the target agent), `requeued`
    /// (queue or routing point), `interaction_closed`, `owner_changed`; nil while pending.
    var reason: String?
    var createdAt: Date
    var decidedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    var view: TransferView {
        TransferView(
            id: idString, interactionId: interactionID.uuidString.lowercased(), fromAgentId: fromAgentID, fromAgentName: fromAgentName,
            target: target, targetQueue: targetQueue, note: note, state: state, reason: reason, createdAt: createdAt, decidedAt: decidedAt
        )
    }
}

/// The Transfer of DESIGN.md section 3 plus who, when and the note; also the payload of
/// the `transfer.*` events. Every key is present.
struct TransferView: Codable, Sendable, Equatable {
    var id: String
    var interactionId: String
    var fromAgentId: String
    var fromAgentName: String?
    var target: TransferTarget
    var targetQueue: String?
    var note: String?
    var state: TransferState
    var reason: String?
    var createdAt: Date
    var decidedAt: Date?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(fromAgentId, forKey: .fromAgentId)
        try container.encode(fromAgentName, forKey: .fromAgentName)
        try container.encode(target, forKey: .target)
        try container.encode(targetQueue, forKey: .targetQueue)
        try container.encode(note, forKey: .note)
        try container.encode(state, forKey: .state)
        try container.encode(reason, forKey: .reason)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(decidedAt, forKey: .decidedAt)
    }
}

/// `{"id", "kind", "transfer_id", "interaction_id", "by_agent": {"id", "name"} | null,
/// "text", "at", "read": false}`.
struct NotificationRecord: Sendable, Equatable {
    var id: UUID
    var agentID: String
    var kind: NotificationKind
    var transferID: UUID?
    var interactionID: UUID?
    var byAgent: AgentRef?
    var text: String
    var at: Date

    var view: NotificationView {
        NotificationView(
            id: id.uuidString.lowercased(), kind: kind, transferId: transferID?.uuidString.lowercased(),
            interactionId: interactionID?.uuidString.lowercased(), byAgent: byAgent, text: text, at: at
        )
    }
}

struct NotificationView: Codable, Sendable, Equatable {
    var id: String
    var kind: NotificationKind
    var transferId: String?
    var interactionId: String?
    var byAgent: AgentRef?
    var text: String
    var at: Date

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(transferId, forKey: .transferId)
        try container.encode(interactionId, forKey: .interactionId)
        try container.encode(byAgent, forKey: .byAgent)
        try container.encode(text, forKey: .text)
        try container.encode(at, forKey: .at)
    }
}
