import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// The read API of interactions. Until ownership rules arrive (session issue), any
/// authenticated agent, supervisor or admin may read.
struct InteractionRoutes: Sendable {
    let store: any InteractionStore
    let client: PostgresClient
    let authenticator: Authenticator
    let defaultRegion: String
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/interactions/:id") { request, context -> Response in
            let identity = try await authenticator.identity(of: request)
            try identity.require(anyOf: .agent, .supervisor, .admin)
            guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
                throw APIError.notFound("The interaction")
            }
            guard let view = try await store.interaction(id: id, client: client, logger: logger) else {
                throw APIError.notFound("The interaction")
            }
            return try JSONBody.response(view)
        }
        router.get("/v1/interactions") { request, _ -> Response in
            let identity = try await authenticator.identity(of: request)
            try identity.require(anyOf: .agent, .supervisor, .admin)
            let filter = try InteractionQuery(defaultRegion: defaultRegion).filter(
                from: request.uri.queryParameters, callerID: identity.agentID
            )
            return try JSONBody.response(try await store.list(filter, client: client, logger: logger))
        }
    }
}
