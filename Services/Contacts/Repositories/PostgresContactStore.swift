import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Contacts, their phones and emails, and merge audit records (their own file), in the
/// `contacts` schema.
/// Changes run on the caller's connection inside the caller's transaction (with their
/// outbox events, and for consumers the inbox record).
struct PostgresContactStore {
    let schema: String

    func insert(_ contact: ContactSnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).contacts
                (id, state, first_name, last_name, display_name, attributes, merged_into, version, created_at, updated_at)
            VALUES (\(contact.id), \(contact.state.rawValue), \(contact.firstName), \(contact.lastName), \(contact.explicitDisplayName),
                    \(try Self.json(contact.attributes))::jsonb, \(contact.mergedInto), \(contact.version),
                    \(unescaped: Self.epoch) + \(ContactTime.microseconds(contact.createdAt))::float8 * interval '1 microsecond',
                    \(unescaped: Self.epoch) + \(ContactTime.microseconds(contact.updatedAt))::float8 * interval '1 microsecond')
            """, logger: logger)
        try await insertAddresses(of: contact, on: connection, logger: logger)
    }

    /// Writes the contacts' rows and replaces their phones and emails; the phones and emails
    /// of every contact given are removed first, so one can move from one to another.
    func save(_ contacts: [ContactSnapshot], on connection: PostgresConnection, logger: Logger) async throws {
        guard !contacts.isEmpty else { return }
        let ids = contacts.map(\.id)
        try await connection.query("DELETE FROM \(unescaped: schema).phones WHERE contact_id = ANY(\(ids))", logger: logger)
        try await connection.query("DELETE FROM \(unescaped: schema).emails WHERE contact_id = ANY(\(ids))", logger: logger)
        for contact in contacts {
            try await connection.query(
                """
                UPDATE \(unescaped: schema).contacts
                SET state = \(contact.state.rawValue), first_name = \(contact.firstName), last_name = \(contact.lastName),
                    display_name = \(contact.explicitDisplayName), attributes = \(try Self.json(contact.attributes))::jsonb,
                    merged_into = \(contact.mergedInto), version = \(contact.version),
                    created_at = \(unescaped: Self.epoch) + \(ContactTime.microseconds(contact.createdAt))::float8 * interval '1 microsecond',
                    updated_at = \(unescaped: Self.epoch) + \(ContactTime.microseconds(contact.updatedAt))::float8 * interval '1 microsecond'
                WHERE id = \(contact.id)
                """, logger: logger)
        }
        for contact in contacts { try await insertAddresses(of: contact, on: connection, logger: logger) }
    }

    private func insertAddresses(of contact: ContactSnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        if !contact.phones.isEmpty {
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).phones (number, contact_id, position)
                SELECT number, \(contact.id), position::integer FROM unnest(\(contact.phones)::text[]) WITH ORDINALITY AS p(number, position)
                """, logger: logger)
        }
        if !contact.emails.isEmpty {
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).emails (address, contact_id, position)
                SELECT address, \(contact.id), position::integer FROM unnest(\(contact.emails)::text[]) WITH ORDINALITY AS e(address, position)
                """, logger: logger)
        }
    }

    /// The contacts locked for update (`FOR UPDATE`, in id order, so two merges never deadlock).
    func lock(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: ContactSnapshot] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM \(unescaped: schema).contacts c
            WHERE c.id = ANY(\(ids)) ORDER BY c.id FOR UPDATE OF c
            """, logger: logger)
        var found: [UUID: ContactSnapshot] = [:]
        for try await row in rows {
            let contact = try Self.contact(from: row)
            found[contact.id] = contact
        }
        return found
    }

    func contact(id: UUID, client: PostgresClient, logger: Logger) async throws -> ContactSnapshot? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: columns) FROM \(unescaped: schema).contacts c WHERE c.id = \(id)
            """, logger: logger)
        var found: ContactSnapshot?
        for try await row in rows { found = try Self.contact(from: row) }
        return found
    }

    /// The contact owning each of `phones` that has one.
    func phoneOwners(_ phones: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: UUID] {
        guard !phones.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT number, contact_id FROM \(unescaped: schema).phones WHERE number = ANY(\(phones))
            """, logger: logger)
        var owners: [String: UUID] = [:]
        for try await (number, contact) in rows.decode((String, UUID).self) { owners[number] = contact }
        return owners
    }

    func emailOwners(_ emails: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: UUID] {
        guard !emails.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT address, contact_id FROM \(unescaped: schema).emails WHERE address = ANY(\(emails))
            """, logger: logger)
        var owners: [String: UUID] = [:]
        for try await (address, contact) in rows.decode((String, UUID).self) { owners[address] = contact }
        return owners
    }

    /// Serialises, until commit, the transactions that meet over one phone number: a new
    /// interaction looking its number up, and a contact gaining that number and looking for
    /// its open interactions. Without it each can miss the other's uncommitted row and the
    /// interaction is never identified. Several numbers: take them in sorted order.
    func lockPhone(_ phone: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.phoneLockClass), hashtext(\(phone)))", logger: logger)
    }

    /// ``lockPhone(_:on:logger:)`` for several numbers in one statement, in sorted order.
    func lockPhones(_ phones: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard !phones.isEmpty else { return }
        try await connection.query(
            """
            SELECT pg_advisory_xact_lock(\(Self.phoneLockClass), hashtext(phone))
            FROM unnest(\(Set(phones).sorted())::text[]) WITH ORDINALITY AS locks (phone, position) ORDER BY position
            """, logger: logger)
    }

    /// The first key of ``lockPhone``'s two-key advisory locks (its own key space).
    private static let phoneLockClass: Int32 = 0x5342_5048  // "SBPH"

    /// The active contact with this phone, locked (`FOR SHARE`), or nil.
    func contact(withPhone phone: String, on connection: PostgresConnection, logger: Logger) async throws -> ContactSnapshot? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM \(unescaped: schema).contacts c
            JOIN \(unescaped: schema).phones p ON p.contact_id = c.id
            WHERE p.number = \(phone) AND c.state = 'active'
            FOR SHARE OF c
            """, logger: logger)
        var found: ContactSnapshot?
        for try await row in rows { found = try Self.contact(from: row) }
        return found
    }

    func search(_ filter: ContactFilter, client: PostgresClient, logger: Logger) async throws -> ContactPage {
        // Each word must occur in the names: `ILIKE ALL` over one pattern per word, with the
        // LIKE wildcards of the words escaped.
        let patterns = filter.words.map { word in
            "%"
                + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        let hasWords = !patterns.isEmpty
        let cursorMicros = filter.cursor?.microseconds
        let rows = try await client.rows(
            """
            SELECT \(unescaped: columns) FROM \(unescaped: schema).contacts c
            WHERE c.state = 'active'
              AND (\(filter.phone)::text IS NULL OR EXISTS (
                    SELECT 1 FROM \(unescaped: schema).phones p WHERE p.contact_id = c.id AND p.number = \(filter.phone)))
              AND (\(filter.email)::text IS NULL OR EXISTS (
                    SELECT 1 FROM \(unescaped: schema).emails e WHERE e.contact_id = c.id AND e.address = \(filter.email)))
              AND (NOT \(hasWords) OR concat_ws(' ', c.first_name, c.last_name, c.display_name) ILIKE ALL (\(patterns)::text[]))
              AND (\(cursorMicros)::bigint IS NULL
                   OR (c.created_at, c.id) > (to_timestamp(0) + \(cursorMicros)::float8 * interval '1 microsecond', \(filter.cursor?.id)))
            ORDER BY c.created_at, c.id
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var contacts: [ContactSnapshot] = []
        for try await row in rows { contacts.append(try Self.contact(from: row)) }
        var next: String?
        if contacts.count > filter.limit {
            contacts.removeLast()
            next = contacts.last.map { KeysetCursor(microseconds: ContactTime.microseconds($0.createdAt), id: $0.id).encoded }
        }
        return ContactPage(items: contacts.map(ContactView.init), next: next)
    }

    /// Erases the personal data of the contacts merged (directly or through others) into `id`,
    /// and drops the merge records naming `id` or any of them: their snapshots hold the
    /// personal data just erased, and `GET /v1/merges` would show it again.
    func erase(mergedInto id: UUID, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            WITH RECURSIVE sources(id) AS (
                SELECT c.id FROM \(unescaped: schema).contacts c WHERE c.merged_into = \(id)
                UNION
                SELECT c.id FROM \(unescaped: schema).contacts c JOIN sources s ON c.merged_into = s.id
            )
            UPDATE \(unescaped: schema).contacts
            SET first_name = NULL, last_name = NULL, display_name = NULL, attributes = '{}', version = version + 1,
                updated_at = \(unescaped: Self.epoch) + \(ContactTime.microseconds(at))::float8 * interval '1 microsecond'
            WHERE id IN (SELECT id FROM sources)
            """, logger: logger)
        // The sources keep `merged_into`, so the same walk finds them again.
        try await connection.query(
            """
            WITH RECURSIVE erased(id) AS (
                SELECT \(id)::uuid
                UNION
                SELECT c.id FROM \(unescaped: schema).contacts c JOIN erased e ON c.merged_into = e.id
            )
            DELETE FROM \(unescaped: schema).merges
            WHERE target_id IN (SELECT id FROM erased) OR source_id IN (SELECT id FROM erased)
            """, logger: logger)
    }

    // MARK: Rows

    /// Contact and merge times are bound as microseconds since 1970 (see ``ContactTime``).
    static let epoch = "to_timestamp(0)"

    private var columns: String {
        """
        c.id, c.state, c.first_name, c.last_name, c.display_name, c.attributes::text AS attributes, c.merged_into, c.version,
        (extract(epoch FROM c.created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM c.updated_at) * 1000000)::bigint AS updated_us,
        coalesce((SELECT array_agg(p.number ORDER BY p.position) FROM \(schema).phones p WHERE p.contact_id = c.id), '{}'::text[]) AS phones,
        coalesce((SELECT array_agg(e.address ORDER BY e.position) FROM \(schema).emails e WHERE e.contact_id = c.id), '{}'::text[]) AS emails
        """
    }

    static func contact(from row: PostgresRow) throws -> ContactSnapshot {
        let columns = row.makeRandomAccess()
        let state = try columns["state"].decode(String.self)
        guard let stateValue = ContactSnapshot.State(rawValue: state) else { throw CorruptContactRow(detail: "state \(state)") }
        let attributes = try columns["attributes"].decode(String.self)
        return ContactSnapshot(
            id: try columns["id"].decode(UUID.self),
            state: stateValue,
            firstName: try columns["first_name"].decode(String?.self),
            lastName: try columns["last_name"].decode(String?.self),
            explicitDisplayName: try columns["display_name"].decode(String?.self),
            phones: try columns["phones"].decode([String].self),
            emails: try columns["emails"].decode([String].self),
            attributes: try JSONDecoder().decode([String: String].self, from: Data(attributes.utf8)),
            mergedInto: try columns["merged_into"].decode(UUID?.self),
            version: try columns["version"].decode(Int.self),
            createdAt: ContactTime.date(microseconds: try columns["created_us"].decode(Int64.self)),
            updatedAt: ContactTime.date(microseconds: try columns["updated_us"].decode(Int64.self))
        )
    }

    static func json(_ attributes: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(attributes), as: UTF8.self)
    }
}

/// A row whose enumerated columns hold a value the code does not know.
struct CorruptContactRow: Error, CustomStringConvertible {
    let detail: String
    var description: String { "contact row with unknown values: \(detail)" }
}
