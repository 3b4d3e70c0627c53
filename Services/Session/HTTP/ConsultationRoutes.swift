import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// IM consultations between agents (docs/architecture.md section 10.3; the rules in
/// ``ConsultationPolicy``, the changes in ``InteractionCommands``). Everything a request can
/// be refused for without I/O is checked first, in this order: the token and its role, the
/// path id (not a UUID: 404), the body (400, 413, 422 naming the field), then the database's
/// answers (404, 403, 409).
struct ConsultationRoutes: Sendable {
    let store: PostgresInteractionStore
    let commands: InteractionCommands
    let transactions: ServiceTransactions
    let client: PostgresClient
    let logger: Logger
    let access = AccessPolicy()
    let policy = ConsultationPolicy()

    struct InviteBody: Decodable, Sendable { var agentId: String? }
    struct MessageBody: Decodable, Sendable { var text: String? }
    /// `{"items": [...]}`, newest first: an interaction has few consultations, so the list is
    /// never paged.
    struct List: Encodable, Sendable { var items: [ConsultationView] }

    func register(on router: Router<SwitchboardRequestContext>) {
        // Only an agent invites (the owner, checked under the lock): a supervisor or an admin
        // cannot open a consultation on an agent's behalf.
        router.post("/v1/interactions/:id/consultations") { request, context -> Response in
            let identity = try context.identity(anyOf: .agent)
            let id = try interactionID(context)
            let body = try await JSONBody.decode(InviteBody.self, from: request, limit: 64 << 10)
            let agentID = try policy.invitee(body.agentId, caller: identity)
            let trace = context.traceparent
            let view = try await transactions.run { try await commands.invite(agentID, to: id, by: identity, traceparent: trace, on: $0) }
            var response = try JSONBody.response(view, status: .created)
            response.headers[.location] = "/v1/consultations/\(view.id)"
            return response
        }
        router.get("/v1/interactions/:id/consultations") { request, context -> Response in
            let identity = try reader(context)
            let id = try interactionID(context)
            let found = try await Deadline.run(PostgresClient.readDeadline, "the interaction's consultations") {
                try await client.withConnection { connection -> [ConsultationRecord]? in
                    guard let view = try await store.view(id, on: connection, logger: logger) else { return nil }
                    let readers = try await store.readers(id, on: connection, logger: logger)
                    let consultations = try await store.consultations(of: id, on: connection, logger: logger)
                    let interaction = access.read(
                        identity, ownerID: view.owner?.id, participants: readers.participants, consultants: readers.consultants)
                    let parties = consultations.reduce(into: Set<String>()) { $0.formUnion($1.parties) }
                    return policy.mayList(identity, interaction: interaction, parties: parties) ? consultations : nil
                }
            }
            guard let found else { throw APIError.notFound("The interaction") }
            return try JSONBody.response(List(items: found.map(\.view)))
        }
        router.get("/v1/consultations/:id") { request, context -> Response in
            let identity = try reader(context)
            let id = try consultationID(context)
            guard let consultation = try await store.consultation(id, client: client, logger: logger), policy.mayRead(identity, consultation)
            else { throw SessionError.consultationNotFound }
            return try JSONBody.response(consultation.view)
        }
        router.post("/v1/consultations/:id/messages") { request, context -> Response in
            let identity = try reader(context)
            let id = try consultationID(context)
            let body = try await JSONBody.decode(MessageBody.self, from: request, limit: 64 << 10)
            let text = try policy.text(body.text)
            let trace = context.traceparent
            let entry = try await transactions.run { try await commands.postInternal(text, in: id, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(entry, status: .created)
        }
        router.post("/v1/consultations/:id/end") { request, context -> Response in
            let identity = try reader(context)
            let id = try consultationID(context)
            let trace = context.traceparent
            let view = try await transactions.run { try await commands.endConsultation(id, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(view)
        }
    }

    /// Reading, posting (its agents) and ending (its agents, supervisors, admins): the roles
    /// of the interaction API.
    private func reader(_ context: SwitchboardRequestContext) throws -> Identity {
        try context.identity(anyOf: .agent, .supervisor, .admin)
    }

    private func interactionID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw APIError.notFound("The interaction") }
        return id
    }

    private func consultationID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw SessionError.consultationNotFound }
        return id
    }
}
