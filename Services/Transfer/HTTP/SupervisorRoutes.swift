import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardServiceKit

/// The supervisor views (docs/architecture.md section 10.3): who is on, how loaded, and what
/// waits where. Read-only, paged in id order (``DirectoryCursor``), for supervisors and
/// admins; an agent sees only its own record (`GET /v1/agents/{id}`), never its colleagues'
/// load, so it gets 403 here.
///
/// | operation | who | success |
/// |---|---|---|
/// | `GET /v1/agents?queue=&cursor=&limit=` | supervisor, admin | 200, `{"items": [AgentStatus], "next"}` |
/// | `GET /v1/queues?cursor=&limit=` | supervisor, admin | 200, `{"items": [QueueStatus], "next"}` |
struct SupervisorRoutes: Sendable {
    let store: PostgresTransferStore
    let client: PostgresClient
    let logger: Logger
    let query = SupervisionQuery()

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/agents") { request, context -> Response in
            try supervisor(context)
            let parameters = FormQuery.parameters(of: request.uri)
            let queue = try query.queue(from: parameters)
            let page = try query.page(from: parameters)
            return try JSONBody.response(try await store.agentStatuses(queue: queue, page: page, client: client, logger: logger))
        }
        router.get("/v1/queues") { request, context -> Response in
            try supervisor(context)
            let page = try query.page(from: FormQuery.parameters(of: request.uri))
            return try JSONBody.response(try await store.queueStatuses(page: page, client: client, logger: logger))
        }
    }

    private func supervisor(_ context: SwitchboardRequestContext) throws {
        _ = try context.identity(anyOf: .supervisor, .admin)
    }
}
