import Foundation
import SwitchboardServiceKit

/// The request bodies of the transfer API and their rules. Every field is decoded as
/// optional so that a missing or wrong field is a 422 that names it, rather than a generic
/// 400 from the JSON decoder (which remains for bodies that are not JSON objects or carry
/// the wrong JSON type).
struct TransferRequestValidator: Sendable {
    static let maxQueuesPerAgent = 50
    static let maxNoteLength = 2000

    struct CapacityBody: Decodable, Sendable {
        var sms: Int?
    }

    /// `PUT /v1/agents/{id}`.
    struct AgentBody: Decodable, Sendable {
        var name: String?
        var queues: [String]?
        var capacity: CapacityBody?
    }

    /// `PUT /v1/agents/{id}/presence`.
    struct PresenceBody: Decodable, Sendable {
        var channel: String?
        var state: String?
    }

    /// `PUT /v1/queues/{id}`.
    struct QueueBody: Decodable, Sendable {
        var name: String?
    }

    /// `PUT /v1/routing-points/{id}`.
    struct RoutingPointBody: Decodable, Sendable {
        var name: String?
        var queue: String?
    }

    struct TargetBody: Decodable, Sendable {
        var type: String?
        var id: String?
    }

    /// `POST /v1/transfers`.
    struct TransferBody: Decodable, Sendable {
        var interactionId: String?
        var target: TargetBody?
        var note: String?
    }

    struct Agent: Sendable, Equatable {
        var name: String
        var queues: [String]
        var capacity: Int
    }

    struct Transfer: Sendable, Equatable {
        var interactionID: UUID
        var target: TransferTarget
        var note: String?
    }

    func id(_ raw: String?, what: String) throws(APIError) -> String {
        guard let raw, DirectoryRules.isValidID(raw) else {
            throw .invalid("\(what) id must be 1 to \(DirectoryRules.maxIDLength) letters, digits, '-', '_', '.' or '@'")
        }
        return raw
    }

    func agent(_ body: AgentBody) throws(APIError) -> Agent {
        guard let name = DirectoryRules.normalizedName(body.name) else {
            throw .invalid("name is required (1 to \(DirectoryRules.maxNameLength) characters)")
        }
        var queues: [String] = []
        for queue in body.queues ?? [] {
            guard DirectoryRules.isValidID(queue) else { throw .invalid("queues: \"\(queue)\" is not a valid queue id") }
            if !queues.contains(queue) { queues.append(queue) }
        }
        guard queues.count <= Self.maxQueuesPerAgent else { throw .invalid("queues: at most \(Self.maxQueuesPerAgent)") }
        let capacity = body.capacity?.sms ?? DirectoryRules.defaultSMSCapacity
        guard (0...DirectoryRules.maxCapacity).contains(capacity) else {
            throw .invalid("capacity.sms must be 0 to \(DirectoryRules.maxCapacity)")
        }
        return Agent(name: name, queues: queues, capacity: capacity)
    }

    /// True for `ready`, false for `not_ready`.
    func presence(_ body: PresenceBody) throws(APIError) -> Bool {
        guard let channel = body.channel, DirectoryRules.channels.contains(channel) else {
            throw .invalid("channel must be one of \(DirectoryRules.channels.joined(separator: ", "))")
        }
        switch body.state {
        case "ready": return true
        case "not_ready": return false
        default: throw .invalid("state must be ready or not_ready")
        }
    }

    func name(_ raw: String?) throws(APIError) -> String {
        guard let name = DirectoryRules.normalizedName(raw) else {
            throw .invalid("name is required (1 to \(DirectoryRules.maxNameLength) characters)")
        }
        return name
    }

    func transfer(_ body: TransferBody) throws(APIError) -> Transfer {
        guard let raw = body.interactionId, let interactionID = UUID(uuidString: raw) else {
            throw .invalid("interaction_id is required (an interaction's id, a UUID)")
        }
        guard let type = body.target?.type, let kind = TargetType(rawValue: type) else {
            throw .invalid("target.type must be agent, queue or routing_point")
        }
        guard let id = body.target?.id, DirectoryRules.isValidID(id) else { throw .invalid("target.id is required") }
        var note: String?
        if let text = body.note?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            guard text.count <= Self.maxNoteLength else { throw .invalid("note is longer than \(Self.maxNoteLength) characters") }
            note = text
        }
        return Transfer(interactionID: interactionID, target: TransferTarget(type: kind, id: id), note: note)
    }
}
