import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The directory (agents, queues, routing points) and agents' SMS presence; a change
/// that can free capacity routes the agent's queues.
extension TransferCommands {
    func putAgent(
        id: String, name: String, queues: [String], capacity: Int, traceparent: String?, on connection: PostgresConnection
    ) async throws -> AgentRecord {
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        let record = try await store.upsertAgent(id: id, name: name, queues: queues, capacity: capacity, at: now, on: connection, logger: logger)
        try await store.refreshLoad([id], on: connection, logger: logger)
        // More capacity or another queue: what waits there may now go to this agent.
        let messages = try await route(queues: record.queues, agents: [id], now: now, traceparent: traceparent, on: connection)
        try await emit(messages, on: connection, logger: logger)
        let agent = try await store.lockAgent(id, on: connection, logger: logger) ?? record
        // The agent's desktop shows its own record (name, queues, capacity) as it changes.
        try await desk.presence(agent, on: connection, logger: logger)
        return agent
    }

    func putQueue(_ queue: QueueRecord, on connection: PostgresConnection) async throws {
        try await store.upsertQueue(queue, at: Date(), on: connection, logger: logger)
    }

    func putRoutingPoint(_ point: RoutingPointRecord, on connection: PostgresConnection) async throws {
        try await store.upsertRoutingPoint(point, at: Date(), on: connection, logger: logger)
    }

    /// `PUT /v1/agents/{id}/presence`: the agent itself, or a supervisor or admin.
    func setPresence(
        agentID: String, ready: Bool, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> AgentRecord {
        guard identity.agentID == agentID || identity.canReadEverything else {
            throw TransferError.notAllowed("Only the agent itself, or a supervisor or admin, sets its presence.")
        }
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        guard let agent = try await store.setPresence(agentID, ready: ready, at: now, on: connection, logger: logger) else {
            throw TransferError.notFound("The agent")
        }
        try await desk.presence(agent, on: connection, logger: logger)
        if ready {
            try await emit(
                try await route(queues: agent.queues, agents: [agentID], now: now, traceparent: traceparent, on: connection), on: connection,
                logger: logger)
        }
        logger.info("presence changed", metadata: ["agent_id": "\(agentID)", "state": "\(ready ? "ready" : "not_ready")"])
        return agent
    }
}
