import Foundation
import SwitchboardModels

/// One agent as `GET /v1/agents` shows it to a supervisor: the Agent of
/// docs/architecture.md section 3 (``AgentView``: `id`, `name`, `queues`, `capacity`,
/// `presence`, `load`) plus what tells a supervisor whether routing can give it more.
struct AgentStatusView: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var queues: [String]
    var capacity: [String: Int]
    var presence: [String: String]
    /// Interactions it owns, per channel (as ``AgentRecord/smsLoad``).
    var load: [String: Int]
    /// Offers waiting for its answer (routed or transferred), unexpired: the number
    /// `GET /v1/agents/{id}/offers` lists.
    var offersPending: Int
    /// Per channel, what routing may still offer it: capacity minus load, pending offers and
    /// accepted offers whose assignment is on its way, never below 0
    /// (``AgentSelection/Candidate/spare``; whatever its presence).
    var spareCapacity: [String: Int]
}
