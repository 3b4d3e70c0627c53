import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// Offers and instant transfers (issue #4; docs/architecture.md section 4 "Routing", "Instant transfer").
///
/// | operation | who | success |
/// |---|---|---|
/// | `GET /v1/agents/{id}/offers` | the agent itself, supervisor, admin | 200, pending offers with preview |
/// | `POST /v1/offers/{id}/accept` | the offer's agent | 200, the offer (`accepted`) |
/// | `POST /v1/offers/{id}/reject` | the offer's agent | 200, the offer (`rejected`) |
/// | `POST /v1/transfers` `{interaction_id, target: {type, id}, note?}` | the interaction's owner | 202, the transfer |
/// | `GET /v1/transfers/{id}` | its source, its target agent, supervisor, admin | 200 |
struct OfferRoutes: Sendable {
    let store: PostgresTransferStore
    let commands: TransferCommands
    let transactions: ServiceTransactions
    let validator: TransferRequestValidator
    let client: PostgresClient
    let logger: Logger

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/agents/:id/offers") { request, context -> Response in
            let identity = try member(context)
            let id = context.parameters.get("id") ?? ""
            guard identity.agentID == id || identity.canReadEverything else {
                throw APIError.forbidden("Only the agent itself, or a supervisor or admin, may read its offers.")
            }
            let offers = try await store.pendingOffers(agent: id, client: client, logger: logger)
            return try JSONBody.response(ItemList(items: offers.map { pair in pair.0.view(preview: pair.1?.preview) }))
        }
        router.post("/v1/offers/:id/accept") { request, context -> Response in
            let identity = try member(context)
            let id = try uuid(context, "The offer")
            let trace = context.traceparent
            let answer = try await transactions.run { try await commands.accept(id, by: identity, traceparent: trace, on: $0) }
            return try respond(answer)
        }
        router.post("/v1/offers/:id/reject") { request, context -> Response in
            let identity = try member(context)
            let id = try uuid(context, "The offer")
            let trace = context.traceparent
            let answer = try await transactions.run { try await commands.reject(id, by: identity, traceparent: trace, on: $0) }
            return try respond(answer)
        }
        router.post("/v1/transfers") { request, context -> Response in
            let identity = try member(context)
            let body = try await JSONBody.decode(TransferRequestValidator.TransferBody.self, from: request, limit: 16 << 10)
            let transfer = try validator.transfer(body)
            let trace = context.traceparent
            let record = try await transactions.run {
                try await commands.requestTransfer(
                    interactionID: transfer.interactionID, target: transfer.target, note: transfer.note, by: identity, traceparent: trace, on: $0
                )
            }
            var response = try JSONBody.response(record.view, status: .accepted)
            response.headers[.location] = "/v1/transfers/\(record.idString)"
            return response
        }
        router.get("/v1/transfers/:id") { request, context -> Response in
            let identity = try member(context)
            let id = try uuid(context, "The transfer")
            guard let record = try await store.transfer(id, client: client, logger: logger),
                identity.canReadEverything || record.fromAgentID == identity.agentID
                    || (record.target.type == .agent && record.target.id == identity.agentID)
            else { throw APIError.notFound("The transfer") }
            return try JSONBody.response(record.view)
        }
    }

    /// The expiry was committed; only now is the caller told.
    private func respond(_ answer: TransferCommands.Answer) throws -> Response {
        switch answer {
        case .answered(let offer): return try JSONBody.response(offer)
        case .expired: throw TransferError.offerExpired
        }
    }

    private func member(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    /// An id that is not a UUID names nothing: 404, like an unknown one.
    private func uuid(_ context: SwitchboardRequestContext, _ what: String) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw APIError.notFound(what) }
        return id
    }
}
