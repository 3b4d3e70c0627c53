import Foundation
import SwitchboardModels

/// An agent of the directory, with its SMS presence, capacity, load and idle-time marks.
struct AgentRecord: Sendable, Equatable {
    var id: String
    var name: String
    var queues: [String]
    var smsCapacity: Int
    var smsReady: Bool
    /// Interactions it owns (`active` in the projection), recounted on every
    /// `interaction.assigned` / `interaction.closed` that concerns it.
    var smsLoad: Int
    var readySince: Date?
    var lastAssignedAt: Date?
    var lastAssignmentEndedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    var view: AgentView {
        AgentView(
            id: id, name: name, queues: queues, capacity: ["sms": smsCapacity], presence: ["sms": smsReady ? "ready" : "not_ready"],
            load: ["sms": smsLoad]
        )
    }
}

/// `{"id", "name", "queues", "capacity": {"sms"}, "presence": {"sms"}, "load": {"sms"}}`
/// (docs/architecture.md section 3 "Agent", plus the current load).
struct AgentView: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var queues: [String]
    var capacity: [String: Int]
    var presence: [String: String]
    var load: [String: Int]
}

struct QueueRecord: Codable, Sendable, Equatable {
    var id: String
    var name: String
}

/// A named entry that routes into a queue.
struct RoutingPointRecord: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var queue: String
}

/// One hit of `GET /v1/targets?q=`. Agents carry their SMS presence and spare capacity,
/// routing points their queue; every key is present (`null` where it does not apply).
struct TargetView: Codable, Sendable, Equatable {
    var type: TargetType
    var id: String
    var name: String
    @ExplicitNull var presence: String?
    @ExplicitNull var spareCapacity: Int?
    @ExplicitNull var queue: String?
}

/// `{"items": [...], "next": null}`: a bounded list, never paged (the supervisor lists page
/// with ``ListPage``).
struct ItemList<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encodeNil(forKey: .next)
    }

    private enum CodingKeys: String, CodingKey {
        case items, next
    }
}
