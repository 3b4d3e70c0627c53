import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// The projection of interactions built from `interaction.*` events (contacts never reads
/// session's tables), with the contact each one belongs to.
///
/// Events of one interaction may arrive in any order (several replicas, redeliveries), so
/// every write is an upsert that only moves forward: a late `interaction.assigned` never
/// reopens a closed interaction, an older assignment never replaces a newer one. In the
/// `contacts` schema.
struct PostgresHistoryStore {
    let schema: String

    /// Records `interaction.created`; returns the projected interaction.
    func created(_ event: InteractionCreated, on connection: PostgresConnection, logger: Logger) async throws -> ProjectedInteraction {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, from_number, to_number, mode, media, state, created_at, updated_at)
            VALUES (\(id), \(event.from), \(event.to), \(event.mode), \(event.media), 'queued', \(event.createdAt), now())
            ON CONFLICT (id) DO UPDATE
            SET from_number = excluded.from_number, to_number = excluded.to_number, mode = excluded.mode,
                media = excluded.media, created_at = excluded.created_at, updated_at = now()
            RETURNING \(unescaped: Self.projectedColumns)
            """, logger: logger)
        for try await row in rows { return try Self.projected(from: row) }
        throw InvalidMessage("no row returned")
    }

    func assigned(_ event: InteractionAssigned, on connection: PostgresConnection, logger: Logger) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions (id, state, agent_id, agent_name, assigned_at, updated_at)
            VALUES (\(id), 'active', \(event.agentId), \(event.agentName), \(event.at), now())
            ON CONFLICT (id) DO UPDATE
            SET agent_id = excluded.agent_id, agent_name = excluded.agent_name, assigned_at = excluded.assigned_at,
                state = CASE WHEN interactions.state = 'closed' THEN 'closed' ELSE 'active' END, updated_at = now()
            WHERE interactions.assigned_at IS NULL OR interactions.assigned_at <= excluded.assigned_at
            """, logger: logger)
    }

    func closed(_ event: InteractionClosed, on connection: PostgresConnection, logger: Logger) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, from_number, to_number, mode, state, agent_id, disposition, closed_at, close_reason, updated_at)
            VALUES (\(id), \(event.from), \(event.to), \(event.mode), 'closed', \(event.ownerId), \(event.disposition),
                    \(event.closedAt), \(event.reason), now())
            ON CONFLICT (id) DO UPDATE
            SET state = 'closed', closed_at = excluded.closed_at, close_reason = excluded.close_reason,
                disposition = coalesce(excluded.disposition, interactions.disposition),
                agent_id = coalesce(interactions.agent_id, excluded.agent_id),
                from_number = coalesce(interactions.from_number, excluded.from_number),
                to_number = coalesce(interactions.to_number, excluded.to_number),
                mode = coalesce(interactions.mode, excluded.mode), updated_at = now()
            """, logger: logger)
    }

    func disposition(_ interactionID: UUID, code: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions (id, state, disposition, updated_at)
            VALUES (\(interactionID), 'queued', \(code), now())
            ON CONFLICT (id) DO UPDATE SET disposition = excluded.disposition, updated_at = now()
            """, logger: logger)
    }

    /// The interaction locked for update, or nil when no event of it arrived yet.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ProjectedInteraction? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.projectedColumns) FROM \(unescaped: schema).interactions WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.projected(from: row) }
        return nil
    }

    /// Links the interactions to a contact; `how` (`identified` or `assigned`) is kept as it
    /// was when nil (a merge or its undo moves history without changing how it was linked).
    func link(_ ids: [UUID], to contact: UUID, how: String?, on connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET contact_id = \(contact), link = coalesce(\(how)::text, link), updated_at = now()
            WHERE id = ANY(\(ids))
            """, logger: logger)
    }

    /// Open interactions from `number` that have no contact yet (locked).
    func openUnlinked(from number: String, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT id FROM \(unescaped: schema).interactions
            WHERE from_number = \(number) AND state <> 'closed' AND contact_id IS NULL
            ORDER BY id FOR UPDATE
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Every interaction of a contact (locked).
    func interactions(of contact: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT id FROM \(unescaped: schema).interactions WHERE contact_id = \(contact) ORDER BY id FOR UPDATE
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// The current contact of each of `ids` that has one.
    func contacts(of ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: UUID] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT id, contact_id FROM \(unescaped: schema).interactions WHERE id = ANY(\(ids)) AND contact_id IS NOT NULL
            ORDER BY id FOR UPDATE
            """, logger: logger)
        var owners: [UUID: UUID] = [:]
        for try await (id, contact) in rows.decode((UUID, UUID).self) { owners[id] = contact }
        return owners
    }

    /// - Parameter viewer: an agent who sees only the interactions it owns or owned
    ///   (``InteractionParticipants``); nil for supervisors and admins, who see all.
    ///   `count_24h` always counts them all: it says how busy the contact is, not who.
    func history(
        of contact: UUID, since: Date?, cursor: KeysetCursor?, limit: Int, viewer: String?, client: PostgresClient, logger: Logger
    ) async throws -> HistoryPage {
        let cursorMicros = cursor?.microseconds
        let rows = try await client.rows(
            """
            SELECT id, created_at, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, closed_at, mode, media, state, from_number, to_number, agent_id, agent_name, disposition,
                   close_reason, link
            FROM \(unescaped: schema).interactions
            WHERE contact_id = \(contact) AND created_at IS NOT NULL
              AND (\(since)::timestamptz IS NULL OR created_at >= \(since))
              AND (\(viewer)::text IS NULL OR EXISTS (
                   SELECT 1 FROM \(unescaped: schema).interaction_agents p
                   WHERE p.interaction_id = interactions.id AND p.agent_id = \(viewer)))
              AND (\(cursorMicros)::bigint IS NULL
                   OR (created_at, id) < (to_timestamp(0) + \(cursorMicros)::float8 * interval '1 microsecond', \(cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(limit + 1)
            """, logger: logger)
        var items: [HistoryPage.Item] = []
        var keys: [(Int64, UUID)] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let id = try columns["id"].decode(UUID.self)
            let createdAt = try columns["created_at"].decode(Date.self)
            let agentID = try columns["agent_id"].decode(String?.self)
            let agentName = try columns["agent_name"].decode(String?.self)
            keys.append((try columns["created_us"].decode(Int64.self), id))
            items.append(
                HistoryPage.Item(
                    interactionId: id.uuidString.lowercased(), createdAt: createdAt,
                    closedAt: try columns["closed_at"].decode(Date?.self),
                    mode: try columns["mode"].decode(String?.self),
                    media: try columns["media"].decode(String?.self),
                    state: try columns["state"].decode(String.self),
                    from: try columns["from_number"].decode(String?.self),
                    to: try columns["to_number"].decode(String?.self),
                    agent: agentID.map { HistoryPage.Agent(id: $0, name: agentName) },
                    disposition: try columns["disposition"].decode(String?.self),
                    closeReason: try columns["close_reason"].decode(String?.self),
                    link: try columns["link"].decode(String?.self)
                ))
        }
        var next: String?
        if items.count > limit {
            items.removeLast()
            keys.removeLast()
            next = keys.last.map { KeysetCursor(microseconds: $0.0, id: $0.1).encoded }
        }
        // The desktop's "N message exchanges with this contact in the past 24 hours", by the
        // database's clock, whatever `since` and the page are.
        let counts = try await client.rows(
            """
            SELECT count(*)::bigint FROM \(unescaped: schema).interactions
            WHERE contact_id = \(contact) AND created_at >= now() - interval '24 hours'
            """, logger: logger)
        var count = 0
        for try await value in counts.decode(Int64.self) { count = Int(value) }
        return HistoryPage(contactId: contact.uuidString.lowercased(), items: items, next: next, count24h: count)
    }

    private static let projectedColumns = "id, from_number, to_number, state, agent_id, contact_id"

    private static func projected(from row: PostgresRow) throws -> ProjectedInteraction {
        let columns = row.makeRandomAccess()
        return ProjectedInteraction(
            id: try columns["id"].decode(UUID.self),
            from: try columns["from_number"].decode(String?.self),
            to: try columns["to_number"].decode(String?.self),
            state: try columns["state"].decode(String.self),
            agentID: try columns["agent_id"].decode(String?.self),
            contactID: try columns["contact_id"].decode(UUID?.self)
        )
    }
}
