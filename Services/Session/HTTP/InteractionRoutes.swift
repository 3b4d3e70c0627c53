import Foundation
import Hummingbird
import Logging
import NIOFoundationCompat
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The agent desktop's interaction API (docs/architecture.md section 3).
struct InteractionRoutes: Sendable {
    let store: PostgresInteractionStore
    let commands: InteractionCommands
    let transactions: ServiceTransactions
    let client: PostgresClient
    let defaultRegion: String
    /// The rules of `POST /v1/interactions`' body.
    let outbound: OutboundRequestValidator
    let logger: Logger
    let access = AccessPolicy()

    struct ReplyBody: Decodable, Sendable {
        var text: String?
        var standardResponseId: String?
    }

    struct DispositionBody: Decodable, Sendable { var code: String? }
    struct NoteBody: Decodable, Sendable { var text: String? }
    struct CaseDataResponse: Encodable, Sendable { var caseData: [String: String] }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/v1/interactions/:id") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            guard let view = try await store.interaction(id: id, client: client, logger: logger) else { throw APIError.notFound("The interaction") }
            // Its past owners, and the agents consulted on it while their consultation is open.
            let readers = try await Deadline.run(PostgresClient.readDeadline, "the interaction's readers") {
                try await client.withConnection { try await store.readers(id, on: $0, logger: logger) }
            }
            guard access.read(identity, ownerID: view.owner?.id, participants: readers.participants, consultants: readers.consultants) == .allowed
            else {
                throw APIError.notFound("The interaction")
            }
            return try JSONBody.response(try await store.response(for: view, client: client, logger: logger))
        }
        router.get("/v1/interactions") { request, context -> Response in
            let identity = try agent(context)
            var filter = try InteractionQuery(defaultRegion: defaultRegion).filter(
                from: FormQuery.parameters(of: request.uri), callerID: identity.agentID)
            if !identity.canReadEverything { filter.visibleTo = identity.agentID }
            let page = try await store.list(filter, client: client, logger: logger)
            return try JSONBody.response(try await store.responses(for: page, client: client, logger: logger))
        }
        registerOpen(on: router)
        router.post("/v1/interactions/:id/messages") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            let body = try await JSONBody.decode(ReplyBody.self, from: request, limit: 64 << 10)
            let responseID: UUID? = try body.standardResponseId.map { raw in
                guard let parsed = UUID(uuidString: raw) else { throw SessionError.unknownStandardResponse }
                return parsed
            }
            let trace = context.traceparent
            let result = try await transactions.run { connection in
                try await commands.reply(
                    to: id, text: body.text ?? "", standardResponseID: responseID, by: identity, traceparent: trace, on: connection)
            }
            return try JSONBody.response(result, status: .accepted)
        }
        router.post("/v1/interactions/:id/done") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            let trace = context.traceparent
            try await transactions.run { try await commands.done(id, by: identity, traceparent: trace, on: $0) }
            return try await current(id)
        }
        router.put("/v1/interactions/:id/disposition") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            let body = try await JSONBody.decode(DispositionBody.self, from: request)
            guard let code = body.code, !code.isEmpty else { throw APIError.invalid("code is required") }
            let trace = context.traceparent
            try await transactions.run { try await commands.setDisposition(id, code: code, by: identity, traceparent: trace, on: $0) }
            return try await current(id)
        }
        router.put("/v1/interactions/:id/note") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            let body = try await JSONBody.decode(NoteBody.self, from: request)
            guard let text = body.text else { throw APIError.invalid("text is required (empty text clears the note)") }
            let trace = context.traceparent
            try await transactions.run { try await commands.setNote(id, text: text, by: identity, traceparent: trace, on: $0) }
            return try await current(id)
        }
        router.patch("/v1/interactions/:id/case-data") { request, context -> Response in
            let identity = try agent(context)
            let id = try interactionID(context)
            let json = try await JSONBody.data(from: request, limit: 64 << 10)
            let patch: CaseDataPatch
            do { patch = try CaseDataPatch(json: json) } catch let error as CaseDataError { throw APIError.invalid(error.description) }
            let trace = context.traceparent
            let updated = try await transactions.run { try await commands.patchCaseData(id, patch: patch, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(CaseDataResponse(caseData: updated))
        }
    }

    /// `POST /v1/interactions`: an agent texts a customer first
    /// (``InteractionCommands/openOutbound(_:by:traceparent:on:)``). Body `{"to"` (the
    /// customer), `"from"` (the organisation number), `"text", "channel"?}`; the roles of
    /// replying (agent, supervisor, admin), and the caller becomes the owner.
    ///
    /// - Checked before any I/O (``OutboundRequestValidator``), each 422 naming the field:
    ///   `to` a phone number and `from` a phone number or short code (normalised as inbound
    ///   numbers are), `text` not empty after trimming (`empty_reply`) and at most
    ///   `SWITCHBOARD_SMS_MAX_PARTS` parts (`reply_too_long`), `channel` a channel name.
    /// - Then 409 `recipient_opted_out` (the customer sent STOP to that number), and 409
    ///   `interaction_open` when an interaction between the two numbers is open, in either
    ///   mode: the desk replies there instead of starting a second thread with the same
    ///   customer. Its id ends the detail when the caller may see it (owner or past owner,
    ///   supervisor, admin); nobody else learns it.
    /// - The channel: the body's; else that of the latest interaction between the two
    ///   numbers; else that of the organisation number's latest interaction (number settings
    ///   have no channel); else `default` (``OutboundChannelChoice``).
    /// - 201 with the interaction as `GET /v1/interactions/{id}` shows it (owned by the
    ///   caller, `active`, Session mode, origin "Outbound SMS Session Mode", the message at
    ///   seq 1 with every part `queued`) and `Location: /v1/interactions/{id}`.
    private func registerOpen(on router: Router<SwitchboardRequestContext>) {
        router.post("/v1/interactions") { request, context -> Response in
            let identity = try agent(context)
            let body = try await JSONBody.decode(OutboundRequestValidator.Body.self, from: request, limit: 64 << 10)
            let draft = try outbound.draft(body)
            let trace = context.traceparent
            let id = try await transactions.run { try await commands.openOutbound(draft, by: identity, traceparent: trace, on: $0) }
            var response = try await current(id, status: .created)
            response.headers[.location] = "/v1/interactions/\(id.uuidString.lowercased())"
            return response
        }
    }

    private func agent(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    private func interactionID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw APIError.notFound("The interaction") }
        return id
    }

    private func current(_ id: UUID, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let view = try await store.interaction(id: id, client: client, logger: logger) else { throw APIError.notFound("The interaction") }
        return try JSONBody.response(try await store.response(for: view, client: client, logger: logger), status: status)
    }
}
