import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// The callback API (docs/architecture.md section 3, issue #6). Every operation needs the role
/// `agent`, `supervisor` or `admin`; who may see and change which callback is
/// ``CallbackAccess``.
///
/// | operation | success |
/// |---|---|
/// | `POST /v1/callbacks` | 201, the callback |
/// | `GET /v1/callbacks?state=&target=&due_before=&cursor=&limit=` | 200, `{"items", "next"}` ordered by due time |
/// | `GET /v1/callbacks/{id}` | 200 |
/// | `PATCH /v1/callbacks/{id}` | 200 (reschedule, notes, target) |
/// | `DELETE /v1/callbacks/{id}` | 200, the cancelled callback |
/// | `POST /v1/callbacks/{id}/complete` `{outcome}` | 200 |
struct CallbackRoutes: Sendable {
    let store: PostgresCallbackStore
    let commands: CallbackCommands
    let transactions: ServiceTransactions
    let validator: CallbackRequestValidator
    let client: PostgresClient
    let logger: Logger
    let access = CallbackAccess()

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/v1/callbacks") { request, context -> Response in
            let identity = try agent(context)
            let body = try await JSONBody.decode(CallbackRequestValidator.ScheduleBody.self, from: request, limit: 64 << 10)
            let draft = try validator.draft(body, now: Date())
            let trace = context.traceparent
            let record = try await transactions.run { try await commands.schedule(draft, by: identity, traceparent: trace, on: $0) }
            CallbackMetrics.scheduled(channel: record.channel)
            var response = try JSONBody.response(record.view, status: .created)
            response.headers[.location] = "/v1/callbacks/\(record.idString)"
            return response
        }
        router.get("/v1/callbacks") { request, context -> Response in
            let identity = try agent(context)
            var filter = try CallbackQuery().filter(from: FormQuery.parameters(of: request.uri))
            if !identity.canReadEverything { filter.visibleTo = identity.agentID }
            return try JSONBody.response(try await store.list(filter, client: client, logger: logger))
        }
        router.get("/v1/callbacks/:id") { request, context -> Response in
            let identity = try agent(context)
            let id = try callbackID(context)
            guard let record = try await store.callback(id: id, client: client, logger: logger),
                access.read(identity, scheduledBy: record.scheduledBy, target: record.target) == .allowed
            else { throw CallbackError.notFound }
            return try JSONBody.response(record.view)
        }
        router.patch("/v1/callbacks/:id") { request, context -> Response in
            let identity = try agent(context)
            let id = try callbackID(context)
            let body = try await JSONBody.decode(CallbackRequestValidator.ChangeBody.self, from: request, limit: 64 << 10)
            let change = try validator.change(body, now: Date())
            let trace = context.traceparent
            let record = try await transactions.run { try await commands.change(id, change, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(record.view)
        }
        router.delete("/v1/callbacks/:id") { request, context -> Response in
            let identity = try agent(context)
            let id = try callbackID(context)
            let trace = context.traceparent
            let record = try await transactions.run { try await commands.cancel(id, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(record.view)
        }
        router.post("/v1/callbacks/:id/complete") { request, context -> Response in
            let identity = try agent(context)
            let id = try callbackID(context)
            let body = try await JSONBody.decode(CallbackRequestValidator.CompleteBody.self, from: request, limit: 16 << 10)
            let outcome = try validator.outcome(body)
            let trace = context.traceparent
            let record = try await transactions.run { try await commands.complete(id, outcome: outcome, by: identity, traceparent: trace, on: $0) }
            CallbackMetrics.completed(channel: record.channel)
            return try JSONBody.response(record.view)
        }
    }

    private func agent(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    /// An id that is not a UUID cannot name a callback: 404, like an unknown one.
    private func callbackID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw CallbackError.notFound }
        return id
    }
}
