import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// The interaction projection (from `interaction.*`) and identification of new interactions.
extension ContactCommands {
    /// `interaction.created`: projected with the event's own `created_at` (so history counts
    /// by when the interaction began, not when the event arrived), then the customer number
    /// (`from`) is looked up; a match links the interaction and emits `contact.identified`.
    /// Takes the phone locks of a batch's new interactions up front, sorted (see
    /// ``PostgresContactStore/lockPhone(_:on:logger:)``).
    func lockPhones(_ phones: [String], on connection: PostgresConnection) async throws {
        try await contacts.lockPhones(phones, on: connection, logger: logger)
    }

    func interactionCreated(_ created: InteractionCreated, traceparent: String?, on connection: PostgresConnection) async throws {
        let projected = try await history.created(created, on: connection, logger: logger)
        guard projected.contactID == nil else { return }
        try await contacts.lockPhone(created.from, on: connection, logger: logger)
        guard let contact = try await contacts.contact(withPhone: created.from, on: connection, logger: logger) else { return }
        try await history.link([projected.id], to: contact.id, how: "identified", on: connection, logger: logger)
        try await outbox.enqueue([try linked(.contactIdentified, projected.id, contact, traceparent)], on: connection, logger: logger)
        logger.debug(
            "interaction identified",
            metadata: [
                "interaction_id": "\(projected.id.uuidString.lowercased())", "contact_id": "\(contact.idString)",
            ])
    }

    func interactionAssigned(_ assigned: InteractionAssigned, on connection: PostgresConnection) async throws {
        try await history.assigned(assigned, on: connection, logger: logger)
        if let id = UUID(uuidString: assigned.interactionId), !assigned.agentId.isEmpty {
            try await participants.add(interactionID: id, agentID: assigned.agentId, at: assigned.at, on: connection, logger: logger)
        }
    }

    func interactionClosed(_ closed: InteractionClosed, on connection: PostgresConnection) async throws {
        try await history.closed(closed, on: connection, logger: logger)
    }

    /// `interaction.updated`: only the disposition is part of the history.
    func interactionUpdated(_ updated: InteractionUpdated, on connection: PostgresConnection) async throws {
        guard updated.field == "disposition" else { return }
        guard let id = UUID(uuidString: updated.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        try await history.disposition(id, code: updated.disposition, on: connection, logger: logger)
    }
}
