import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Every change to contacts, as one place that applies the rules. Each operation runs
/// inside the caller's transaction: it locks the rows it changes, checks the rules, writes
/// the change and puts the resulting events in the outbox, so all of it commits or none does.
///
/// **Uniqueness.** A phone number or an email address belongs to one contact at most: the
/// operations check first (a readable 409 `phone_taken`/`email_taken`), and the primary
/// keys of `phones` and `emails` settle a race between two requests (mapped to the same
/// 409 by ``ContactTransactions``).
///
/// **Identification.** A contact created with phone numbers, or given one later (edit,
/// manual assignment with `add_phone`), identifies the open interactions from those
/// numbers that have no contact yet: each gets `contact.identified`.
struct ContactCommands: Sendable {
    let contacts: PostgresContactStore
    let history: PostgresHistoryStore
    let outbox: Outbox
    /// Who may see which interaction, from `interaction.assigned`.
    let participants: InteractionParticipants
    let logger: Logger
    let planner = MergePlanner()

    static let maxAttributes = ContactRequestValidator.maxAttributes

    // MARK: Contacts

    func create(_ draft: ContactDraft, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> ContactSnapshot
    {
        try await checkFree(phones: draft.phones, emails: draft.emails, for: nil, on: connection)
        let now = ContactTime.now()
        let contact = ContactSnapshot(
            id: UUID(), state: .active, firstName: draft.firstName, lastName: draft.lastName, explicitDisplayName: draft.displayName,
            phones: draft.phones, emails: draft.emails, attributes: draft.attributes, mergedInto: nil, version: 1,
            createdAt: now, updatedAt: now
        )
        try await contacts.insert(contact, on: connection, logger: logger)
        let events = try await identify(draft.phones, as: contact, traceparent: traceparent, on: connection)
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.info("contact created", metadata: metadata(contact, identity, traceparent))
        return contact
    }

    func change(
        _ id: UUID, _ patch: ContactPatch, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> ContactSnapshot {
        // Phone locks before the contact's row lock, the order identification takes them in
        // (``interactionCreated``): the two never wait on each other in a cycle.
        for phone in Set(patch.phones ?? []).sorted() { try await contacts.lockPhone(phone, on: connection, logger: logger) }
        let current = try await lockActive(id, on: connection)
        var updated = patch.applied(to: current)
        guard updated.attributes.count <= Self.maxAttributes else { throw ContactError.invalid("at most \(Self.maxAttributes) attributes") }
        guard updated != current else { return current }
        let addedPhones = updated.phones.filter { !current.phones.contains($0) }
        let addedEmails = updated.emails.filter { !current.emails.contains($0) }
        try await checkFree(phones: addedPhones, emails: addedEmails, for: id, on: connection)
        updated.version = current.version + 1
        updated.updatedAt = ContactTime.now()
        try await contacts.save([updated], on: connection, logger: logger)
        let events = try await identify(addedPhones, as: updated, traceparent: traceparent, on: connection)
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.info("contact changed", metadata: metadata(updated, identity, traceparent))
        return updated
    }

    /// `DELETE`: the contact becomes a tombstone (personal data erased, id and interaction
    /// history kept); contacts merged into it are erased too, and so are the merge records
    /// naming it (their snapshots hold personal data), so those merges cannot be undone.
    func delete(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws {
        let current = try await lockActive(id, on: connection)
        let now = ContactTime.now()
        let tombstone = current.tombstone(at: now)
        try await contacts.save([tombstone], on: connection, logger: logger)
        try await contacts.erase(mergedInto: id, at: now, on: connection, logger: logger)
        logger.info("contact deleted", metadata: metadata(tombstone, identity, traceparent))
    }

    // MARK: Manual contact assignment

    struct Assignment: Encodable, Sendable {
        var interactionId: String
        var contactId: String
        @ExplicitNull var contactName: String?
        /// True when the interaction's customer number was added to the contact.
        var phoneAdded: Bool

        enum CodingKeys: String, CodingKey { case interactionId, contactId, contactName, phoneAdded }
    }

    /// Assigns an interaction to a known contact (a merged contact stands for the one it was
    /// merged into); emits `contact.assigned`. With `addPhone`, the interaction's customer
    /// number joins the contact (409 `phone_taken` if it is another contact's) and
    /// identifies that number's other open interactions.
    func assign(
        interaction interactionID: UUID, to contactID: UUID, addPhone: Bool, by identity: Identity, traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> Assignment {
        guard let interaction = try await history.lock(interactionID, on: connection, logger: logger) else {
            throw ContactError.interactionNotFound
        }
        // "Not yours" looks like "does not exist": 403 only for a past owner, who may see it.
        if !identity.canReadEverything, interaction.agentID != identity.agentID,
            try await !participants.contains(interactionID: interactionID, agentID: identity.agentID, on: connection, logger: logger)
        {
            throw ContactError.interactionNotFound
        }
        guard ContactAccess.mayAssign(identity, ownerID: interaction.agentID) else { throw ContactError.notOwner }
        if addPhone, let number = interaction.from {
            // Before the contact's row lock, as in ``change``.
            try await contacts.lockPhone(number, on: connection, logger: logger)
        }
        var contact = try await lockResolvingMerges(contactID, on: connection)

        try await history.link([interactionID], to: contact.id, how: "assigned", on: connection, logger: logger)
        var events: [OutboxMessage] = []
        var phoneAdded = false
        if addPhone {
            guard let number = interaction.from else {
                throw ContactError.invalid("the interaction's customer number is not known yet; try again in a moment")
            }
            let owner = try await contacts.phoneOwners([number], on: connection, logger: logger)[number]
            if let owner, owner != contact.id { throw ContactError.phoneTaken(number) }
            if owner == nil {
                contact.phones.append(number)
                contact.version += 1
                contact.updatedAt = ContactTime.now()
                try await contacts.save([contact], on: connection, logger: logger)
                phoneAdded = true
            }
        }
        events.append(try linked(.contactAssigned, interactionID, contact, traceparent))
        if phoneAdded, let number = interaction.from {
            events += try await identify([number], as: contact, traceparent: traceparent, on: connection)
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.info(
            "contact assigned",
            metadata: [
                "interaction_id": "\(interactionID.uuidString.lowercased())", "contact_id": "\(contact.idString)",
                "agent_id": "\(identity.agentID)", "phone_added": "\(phoneAdded)",
            ])
        return Assignment(
            interactionId: interactionID.uuidString.lowercased(), contactId: contact.idString, contactName: contact.displayName,
            phoneAdded: phoneAdded
        )
    }

    // MARK: Helpers

    /// The contact locked, if it is active: 404 when unknown, 410 when deleted, 409
    /// `contact_merged` when merged.
    func lockActive(_ id: UUID, on connection: PostgresConnection) async throws -> ContactSnapshot {
        guard let contact = try await contacts.lock([id], on: connection, logger: logger)[id] else { throw ContactError.notFound }
        switch contact.state {
        case .active: return contact
        case .deleted: throw ContactError.deleted
        case .merged: throw ContactError.merged(into: contact.mergedInto ?? contact.id)
        }
    }

    /// The contact locked, following merges to the contact that absorbed it.
    func lockResolvingMerges(_ id: UUID, on connection: PostgresConnection) async throws -> ContactSnapshot {
        var next = id
        for _ in 0..<32 {
            guard let contact = try await contacts.lock([next], on: connection, logger: logger)[next] else { throw ContactError.notFound }
            switch contact.state {
            case .active: return contact
            case .deleted: throw ContactError.deleted
            case .merged:
                guard let target = contact.mergedInto else { throw ContactError.notFound }
                next = target
            }
        }
        throw ContactError.notFound
    }

    /// 409 when one of the phones or emails belongs to another contact than `id`.
    func checkFree(phones: [String], emails: [String], for id: UUID?, on connection: PostgresConnection) async throws {
        let phoneOwners = try await contacts.phoneOwners(phones, on: connection, logger: logger)
        for phone in phones { if let owner = phoneOwners[phone], owner != id { throw ContactError.phoneTaken(phone) } }
        let emailOwners = try await contacts.emailOwners(emails, on: connection, logger: logger)
        for email in emails { if let owner = emailOwners[email], owner != id { throw ContactError.emailTaken(email) } }
    }

    /// Links the open, contact-less interactions from `numbers` to `contact`; one
    /// `contact.identified` each.
    func identify(
        _ numbers: [String], as contact: ContactSnapshot, traceparent: String?, on connection: PostgresConnection
    ) async throws -> [OutboxMessage] {
        var events: [OutboxMessage] = []
        let numbers = Array(Set(numbers)).sorted()
        for number in numbers { try await contacts.lockPhone(number, on: connection, logger: logger) }
        for number in numbers {
            let open = try await history.openUnlinked(from: number, on: connection, logger: logger)
            guard !open.isEmpty else { continue }
            try await history.link(open, to: contact.id, how: "identified", on: connection, logger: logger)
            events += try open.map { try linked(.contactIdentified, $0, contact, traceparent) }
        }
        return events
    }

    /// `contact.identified` / `contact.assigned` for one interaction.
    func linked(_ type: EventType, _ interactionID: UUID, _ contact: ContactSnapshot, _ traceparent: String?) throws -> OutboxMessage {
        let interaction = interactionID.uuidString.lowercased()
        return try OutboxMessage.event(
            type, service: "contacts", subject: interaction, traceparent: traceparent,
            data: ContactLinked(interactionId: interaction, contactId: contact.idString, contactName: contact.displayName)
        )
    }

    /// Log metadata: ids only, never names, numbers or addresses (docs/architecture.md section 6).
    func metadata(_ contact: ContactSnapshot, _ identity: Identity, _ traceparent: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["contact_id": "\(contact.idString)", "agent_id": "\(identity.agentID)"]
        if let traceparent, let trace = TraceContext.traceID(of: traceparent) { metadata["trace_id"] = "\(trace)" }
        return metadata
    }
}
