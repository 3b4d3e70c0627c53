import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// The directory and presence API (issue #4).
///
/// | operation | who | success |
/// |---|---|---|
/// | `PUT /v1/agents/{id}` `{name, queues, capacity: {sms}}` | admin | 200, the agent |
/// | `GET /v1/agents/{id}` | the agent itself, supervisor, admin | 200 |
/// | `PUT /v1/agents/{id}/presence` `{channel: "sms", state}` | the agent itself, supervisor, admin | 200, the agent |
/// | `PUT /v1/queues/{id}` `{name}` | admin | 200 |
/// | `PUT /v1/routing-points/{id}` `{name, queue}` | admin | 200 |
/// | `GET /v1/targets?q=` | agent, supervisor, admin | 200, `{"items", "next": null}` |
/// | `GET /v1/agents/{id}/notifications` | the agent itself, supervisor, admin | 200, newest first |
struct DirectoryRoutes: Sendable {
    let store: PostgresTransferStore
    let commands: TransferCommands
    let transactions: ServiceTransactions
    let validator: TransferRequestValidator
    let client: PostgresClient
    let logger: Logger

    static let maxTargets = 50
    static let maxNotifications = 100

    func register(on router: Router<SwitchboardRequestContext>) {
        router.put("/v1/agents/:id") { request, context -> Response in
            try admin(context)
            let id = try validator.id(context.parameters.get("id"), what: "agent")
            let body = try await JSONBody.decode(TransferRequestValidator.AgentBody.self, from: request, limit: 64 << 10)
            let agent = try validator.agent(body)
            let trace = context.traceparent
            let record = try await transactions.run {
                try await commands.putAgent(id: id, name: agent.name, queues: agent.queues, capacity: agent.capacity, traceparent: trace, on: $0)
            }
            return try JSONBody.response(record.view)
        }
        router.get("/v1/agents/:id") { request, context -> Response in
            let id = try await selfOrSupervisor(request, context)
            guard let record = try await store.agent(id, client: client, logger: logger) else { throw APIError.notFound("The agent") }
            return try JSONBody.response(record.view)
        }
        router.put("/v1/agents/:id/presence") { request, context -> Response in
            let identity = try member(context)
            let id = context.parameters.get("id") ?? ""
            let body = try await JSONBody.decode(TransferRequestValidator.PresenceBody.self, from: request, limit: 16 << 10)
            let ready = try validator.presence(body)
            let trace = context.traceparent
            let record = try await transactions.run {
                try await commands.setPresence(agentID: id, ready: ready, by: identity, traceparent: trace, on: $0)
            }
            return try JSONBody.response(record.view)
        }
        router.get("/v1/agents/:id/notifications") { request, context -> Response in
            let id = try await selfOrSupervisor(request, context)
            let items = try await store.notifications(agent: id, limit: Self.maxNotifications, client: client, logger: logger)
            return try JSONBody.response(ItemList(items: items.map(\.view)))
        }
        router.put("/v1/queues/:id") { request, context -> Response in
            try admin(context)
            let id = try validator.id(context.parameters.get("id"), what: "queue")
            let body = try await JSONBody.decode(TransferRequestValidator.QueueBody.self, from: request, limit: 16 << 10)
            let queue = QueueRecord(id: id, name: try validator.name(body.name))
            try await transactions.run { try await commands.putQueue(queue, on: $0) }
            return try JSONBody.response(queue)
        }
        router.put("/v1/routing-points/:id") { request, context -> Response in
            try admin(context)
            let id = try validator.id(context.parameters.get("id"), what: "routing point")
            let body = try await JSONBody.decode(TransferRequestValidator.RoutingPointBody.self, from: request, limit: 16 << 10)
            let point = RoutingPointRecord(id: id, name: try validator.name(body.name), queue: try validator.id(body.queue, what: "queue"))
            try await transactions.run { try await commands.putRoutingPoint(point, on: $0) }
            return try JSONBody.response(point)
        }
        router.get("/v1/targets") { request, context -> Response in
            _ = try member(context)
            let query = (FormQuery.parameters(of: request.uri).get("q") ?? "").trimmingCharacters(in: .whitespaces)
            guard query.count <= 200 else { throw APIError.invalid("q is longer than 200 characters") }
            let items = try await store.searchTargets(query, limit: Self.maxTargets, client: client, logger: logger)
            return try JSONBody.response(ItemList(items: items))
        }
    }

    private func admin(_ context: SwitchboardRequestContext) throws {
        _ = try context.identity(anyOf: .admin)
    }

    private func member(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    /// The `{id}` of a path about one agent, for the agent itself, a supervisor or an admin.
    private func selfOrSupervisor(_ request: Request, _ context: SwitchboardRequestContext) async throws -> String {
        let identity = try member(context)
        let id = context.parameters.get("id") ?? ""
        guard identity.agentID == id || identity.canReadEverything else {
            throw APIError.forbidden("Only the agent itself, or a supervisor or admin, may read this.")
        }
        return id
    }
}
