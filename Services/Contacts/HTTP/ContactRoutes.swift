import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import SwitchboardModels
import SwitchboardServiceKit

/// The contacts API (docs/architecture.md section 3, issue #5). Roles: ``ContactAccess``.
///
/// | operation | success |
/// |---|---|
/// | `POST /v1/contacts` | 201, the contact |
/// | `GET /v1/contacts?phone=&email=&q=&cursor=&limit=` | 200, `{"items", "next"}` |
/// | `GET /v1/contacts/{id}` | 200; 301 to the target when merged; 410 when deleted |
/// | `PATCH /v1/contacts/{id}` | 200 (JSON merge patch) |
/// | `DELETE /v1/contacts/{id}` | 204 (tombstone) |
/// | `GET /v1/contacts/{id}/history?since=&cursor=&limit=` | 200, `{"contact_id", "items", "next", "count_24h"}` |
/// | `POST /v1/contacts/{id}/merge` `{source_id}` | 200, the merge record and the target |
/// | `POST /v1/merges/{id}/undo` | 200, the merge record and both contacts |
/// | `GET /v1/merges?contact_id=&cursor=&limit=` | 200, `{"items", "next"}`: the contact's merges, newest first |
/// | `GET /v1/merges/{id}` | 200, the merge record |
/// | `POST /v1/contact-assignments` `{interaction_id, contact_id, add_phone?}` | 200 |
/// | `GET /v1/consent/{e164}` | 200 |
struct ContactRoutes: Sendable {
    let contacts: PostgresContactStore
    let history: PostgresHistoryStore
    let consent: PostgresConsentStore
    let commands: ContactCommands
    let transactions: ServiceTransactions
    let validator: ContactRequestValidator
    let client: PostgresClient
    let logger: Logger

    struct MergedInto: Encodable, Sendable { var mergedInto: String }

    func register(on router: Router<SwitchboardRequestContext>) {
        let query = ContactQuery(validator: validator)

        router.post("/v1/contacts") { request, context -> Response in
            let identity = try caller(context, ContactAccess.createAndSearch)
            let body = try await JSONBody.decode(ContactRequestValidator.CreateBody.self, from: request, limit: 64 << 10)
            let draft = try validator.draft(body)
            let trace = context.traceparent
            let contact = try await transactions.run { try await commands.create(draft, by: identity, traceparent: trace, on: $0) }
            var response = try JSONBody.response(ContactView(contact), status: .created)
            response.headers[.location] = "/v1/contacts/\(contact.idString)"
            return response
        }
        router.get("/v1/contacts") { request, context -> Response in
            _ = try caller(context, ContactAccess.createAndSearch)
            let filter = try query.filter(from: FormQuery.parameters(of: request.uri))
            return try JSONBody.response(try await contacts.search(filter, client: client, logger: logger))
        }
        router.get("/v1/contacts/:id") { request, context -> Response in
            _ = try caller(context, ContactAccess.readWrite)
            let id = try contactID(context)
            guard let contact = try await contacts.contact(id: id, client: client, logger: logger) else {
                throw ContactError.notFound
            }
            switch contact.state {
            case .active: return try JSONBody.response(ContactView(contact))
            case .deleted: throw ContactError.deleted
            case .merged: return try redirect(to: contact.mergedInto, path: "")
            }
        }
        router.patch("/v1/contacts/:id") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let id = try contactID(context)
            let patch = try validator.patch(json: try await JSONBody.data(from: request, limit: 64 << 10))
            let trace = context.traceparent
            let contact = try await transactions.run { try await commands.change(id, patch, by: identity, traceparent: trace, on: $0) }
            return try JSONBody.response(ContactView(contact))
        }
        router.delete("/v1/contacts/:id") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let id = try contactID(context)
            let trace = context.traceparent
            try await transactions.run { try await commands.delete(id, by: identity, traceparent: trace, on: $0) }
            return Response(status: .noContent)
        }
        router.get("/v1/contacts/:id/history") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let id = try contactID(context)
            guard let contact = try await contacts.contact(id: id, client: client, logger: logger) else {
                throw ContactError.notFound
            }
            // A deleted contact keeps its history (without personal data on the contact).
            if contact.state == .merged { return try redirect(to: contact.mergedInto, path: "/history") }
            let parameters = FormQuery.parameters(of: request.uri)
            let page = try await history.history(
                of: id, since: try query.since(from: parameters), cursor: try query.cursor(parameters),
                limit: try query.limit(parameters), viewer: identity.canReadEverything ? nil : identity.agentID, client: client, logger: logger
            )
            return try JSONBody.response(page)
        }
        router.post("/v1/contacts/:id/merge") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let target = try contactID(context)
            let body = try await JSONBody.decode(ContactRequestValidator.MergeBody.self, from: request, limit: 16 << 10)
            let source = try validator.uuid("source_id", body.sourceId)
            let trace = context.traceparent
            let outcome = try await transactions.run {
                try await commands.merge(into: target, source: source, by: identity, traceparent: trace, on: $0)
            }
            ContactsMetrics.merged()
            return try JSONBody.response(MergeView(outcome.audit, target: outcome.target, source: nil))
        }
        router.post("/v1/merges/:id/undo") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let id = try mergeID(context)
            let trace = context.traceparent
            let outcome = try await transactions.run {
                try await commands.undo(merge: id, by: identity, traceparent: trace, on: $0)
            }
            ContactsMetrics.undone()
            return try JSONBody.response(MergeView(outcome.audit, target: outcome.target, source: outcome.source))
        }
        // Merges are read by whoever may read their contacts (the shared address book): an
        // unknown contact is 404 as on its own reads; a merged or deleted one still lists
        // the merges it has (a deleted contact none: `DELETE` drops them).
        router.get("/v1/merges") { request, context -> Response in
            _ = try caller(context, ContactAccess.readWrite)
            let filter = try query.mergeFilter(from: FormQuery.parameters(of: request.uri))
            guard try await contacts.contact(id: filter.contactID, client: client, logger: logger) != nil else {
                throw ContactError.notFound
            }
            return try JSONBody.response(try await contacts.merges(filter, client: client, logger: logger))
        }
        router.get("/v1/merges/:id") { request, context -> Response in
            _ = try caller(context, ContactAccess.readWrite)
            let id = try mergeID(context)
            guard let audit = try await contacts.merge(id: id, client: client, logger: logger) else { throw ContactError.mergeNotFound }
            return try JSONBody.response(MergeView(record: audit))
        }
        router.post("/v1/contact-assignments") { request, context -> Response in
            let identity = try caller(context, ContactAccess.readWrite)
            let body = try await JSONBody.decode(ContactRequestValidator.AssignmentBody.self, from: request, limit: 16 << 10)
            let interaction = try validator.uuid("interaction_id", body.interactionId)
            let contact = try validator.uuid("contact_id", body.contactId)
            let addPhone = body.addPhone ?? false
            let trace = context.traceparent
            let assignment = try await transactions.run {
                try await commands.assign(interaction: interaction, to: contact, addPhone: addPhone, by: identity, traceparent: trace, on: $0)
            }
            ContactsMetrics.assigned()
            return try JSONBody.response(assignment)
        }
        router.get("/v1/consent/:number") { request, context -> Response in
            _ = try caller(context, ContactAccess.consent)
            let raw = context.parameters.get("number")?.removingPercentEncoding ?? ""
            let number = try validator.phone(raw, field: "number")
            return try JSONBody.response(try await consent.consent(of: number, client: client, logger: logger))
        }
    }

    private func caller(_ context: SwitchboardRequestContext, _ roles: [Identity.Role]) throws -> Identity {
        let identity = try context.identity()
        try ContactAccess.require(identity, roles)
        return identity
    }

    /// An id that is not a UUID cannot name a contact: 404, like an unknown one.
    private func contactID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw ContactError.notFound }
        return id
    }

    /// A merge id that is not a UUID cannot name a merge: 404, like an unknown one.
    private func mergeID(_ context: SwitchboardRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw ContactError.mergeNotFound }
        return id
    }

    /// 301 to the contact a merged one went into, body `{"merged_into": id}`.
    private func redirect(to target: UUID?, path: String) throws -> Response {
        guard let target else { throw ContactError.notFound }
        let id = target.uuidString.lowercased()
        var response = try JSONBody.response(MergedInto(mergedInto: id), status: .movedPermanently)
        response.headers[.location] = "/v1/contacts/\(id)\(path)"
        return response
    }
}
