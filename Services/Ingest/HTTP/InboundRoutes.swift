import Hummingbird
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// `POST /v1/inbound`: the inbound JSON over HTTP, for systems that cannot publish AMQP.
/// Role `system`. 202 with ingest's message id; a carrier retry answers 200 `duplicate`.
struct InboundRoutes: Sendable {
    let acceptor: InboundAcceptor

    func register(on router: Router<SwitchboardRequestContext>) {
        router.post("/v1/inbound") { request, context -> Response in
            _ = try context.identity(anyOf: .system, .admin)
            let message = try await JSONBody.decode(InboundMessage.self, from: request, limit: 8 << 20)
            do {
                let outcome = try await acceptor.accept(message, source: "http", traceparent: request.headers[.traceparent])
                return try JSONBody.response(outcome, status: outcome.duplicate ? .ok : .accepted)
            } catch let invalid as InvalidMessage {
                throw APIError.invalid(invalid.reason, code: "invalid_message")
            }
        }
    }
}
