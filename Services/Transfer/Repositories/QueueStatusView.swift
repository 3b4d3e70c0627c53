import Foundation
import SwitchboardModels

/// One queue as `GET /v1/queues` shows it to a supervisor: what waits in it and who serves it,
/// counted when asked (the projection of session's interactions and the directory).
struct QueueStatusView: Codable, Sendable, Equatable {
    var id: String
    /// Its name when registered with `PUT /v1/queues/{id}`, else null (a queue exists as soon
    /// as number settings or an agent name it).
    @ExplicitNull var name: String?
    /// Interactions `queued` in it: waiting for an agent, not offered to one.
    var waiting: Int
    /// Interactions with a pending routing offer (state `offered`).
    var offered: Int
    /// Seconds the oldest `waiting` interaction has waited since it entered the queue
    /// (`queued_at`: its arrival, or its transfer to this queue), by the database's clock;
    /// 0 when none waits.
    var longestWaitSeconds: Int
    /// Agents that are members of the queue.
    var agents: Int
    /// Members Ready for SMS, whatever their spare capacity.
    var agentsReady: Int
}
