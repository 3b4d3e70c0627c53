import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Interactions and transcripts, in the `session` schema.
struct PostgresInteractionStore {
    let schema: String

    func openSessionID(organisation: String, customer: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        for try await id in try await connection.execute(OpenSessionStatement(organisation: organisation, customer: customer), logger: logger) {
            return id
        }
        return nil
    }

    func create(_ interaction: NewInteraction, on connection: PostgresConnection, logger: Logger) async throws {
        let settings = interaction.settings
        let timeoutAt: Date? =
            settings.mode == .session
            ? interaction.createdAt.addingTimeInterval(TimeInterval(settings.inactivityTimeoutSeconds)) : nil
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                 inactivity_timeout_seconds, timeout_at, created_at, last_activity_at)
            VALUES (\(interaction.id), 'queued', \(settings.mode.rawValue), \(interaction.media), \(interaction.channel),
                    \(interaction.from), \(interaction.to), \(settings.queue), \(interaction.origin), \(settings.dispositionRequired),
                    \(settings.inactivityTimeoutSeconds), \(timeoutAt), \(interaction.createdAt), \(interaction.createdAt))
            """, logger: logger)
    }

    /// One prepared statement (``AppendEntryStatement``): the interaction's next sequence
    /// number (and, with `activity`, its last activity and inactivity deadline) and the
    /// entry's insert. Returns the entry's sequence number and its media ids (an MMS's
    /// stored before it arrived are attached here), what its event shows without a read.
    func append(
        _ entry: NewTranscriptEntry, touchingAt activity: Date?, on connection: PostgresConnection, logger: Logger
    ) async throws -> (seq: Int, media: [String]) {
        let encoder = SwitchboardJSON.encoder()
        let media = String(decoding: try encoder.encode(entry.media), as: UTF8.self)
        let parts = String(decoding: try encoder.encode(entry.parts), as: UTF8.self)
        let entities = String(decoding: try encoder.encode(entry.entities), as: UTF8.self)
        if entry.mediaCount > 0, let messageID = entry.messageID {
            try await lockMediaOfMessage(messageID, on: connection, logger: logger)
        }
        let statement = AppendEntryStatement(entry: entry, activity: activity, media: media, parts: parts, entities: entities)
        let rows = try await connection.execute(statement, logger: logger)
        var sequence: Int?
        for try await value in rows { sequence = value }
        guard let sequence else { throw InteractionMissing(id: entry.interactionID) }
        var attached = entry.media
        if entry.mediaCount > 0, let messageID = entry.messageID {
            attached = try await attachPendingMedia(messageID: messageID, on: connection, logger: logger) ?? attached
        }
        return (sequence, attached)
    }

    /// Appends an entry without recording activity.
    func append(_ entry: NewTranscriptEntry, on connection: PostgresConnection, logger: Logger) async throws -> (seq: Int, media: [String]) {
        try await append(entry, touchingAt: nil, on: connection, logger: logger)
    }

    /// The interaction locked for update, or nil.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: schema).interactions WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.record(from: row) }
        return nil
    }

    func participants(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT agent_id FROM \(unescaped: schema).participants WHERE interaction_id = \(id)", logger: logger
        )
        var result = Set<String>()
        for try await agent in rows.decode(String.self) { result.insert(agent) }
        return result
    }

    func assign(_ id: UUID, agentID: String, agentName: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET owner_id = \(agentID), owner_name = \(agentName), state = 'active'
            WHERE id = \(id)
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).participants (interaction_id, agent_id) VALUES (\(id), \(agentID))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func close(_ id: UUID, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions
            SET state = 'closed', close_reason = \(reason), closed_at = \(at), timeout_at = NULL
            WHERE id = \(id)
            """, logger: logger)
    }

    func setDisposition(_ id: UUID, code: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE \(unescaped: schema).interactions SET disposition = \(code) WHERE id = \(id)", logger: logger)
    }

    func setNote(_ id: UUID, text: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE \(unescaped: schema).interactions SET note = \(text) WHERE id = \(id)", logger: logger)
    }

    func setCaseData(_ id: UUID, _ caseData: [String: String], on connection: PostgresConnection, logger: Logger) async throws {
        let json = String(decoding: try JSONEncoder().encode(caseData), as: UTF8.self)
        try await connection.query(
            "UPDATE \(unescaped: schema).interactions SET case_data = \(json)::jsonb WHERE id = \(id)", logger: logger
        )
    }

    func setContact(_ id: UUID, contactID: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET contact_id = \(contactID), contact_name = \(name) WHERE id = \(id)
            """, logger: logger)
    }

    func replaceContact(_ sourceID: String, with targetID: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET contact_id = \(targetID), contact_name = coalesce(\(name), contact_name)
            WHERE contact_id = \(sourceID)
            """, logger: logger)
    }

    /// `timeout_at` is when the timer looks next, never later than the deadline (last
    /// activity plus the timeout): activity does not move it, so appends leave the row's
    /// indexed columns alone. Rows looked at whose session was active since are given their
    /// real deadline; the others are due.
    func claimDueTimeouts(now: Date, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [InteractionRecord] {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions
            SET timeout_at = last_activity_at + make_interval(secs => inactivity_timeout_seconds)
            WHERE id IN (
                SELECT id FROM \(unescaped: schema).interactions
                WHERE state <> 'closed' AND timeout_at IS NOT NULL AND timeout_at <= \(now)
                  AND last_activity_at + make_interval(secs => inactivity_timeout_seconds) > \(now)
                ORDER BY timeout_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            """, logger: logger)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.recordColumns) FROM \(unescaped: schema).interactions
            WHERE state <> 'closed' AND timeout_at IS NOT NULL AND timeout_at <= \(now)
              AND last_activity_at + make_interval(secs => inactivity_timeout_seconds) <= \(now)
            ORDER BY timeout_at LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var records: [InteractionRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        return records
    }

    /// The earliest inactivity deadline, to sleep until it.
    /// Seconds from the database's now to the earliest `timeout_at` (≤ 0 when one is due);
    /// nil when no session waits.
    func secondsUntilNextTimeout(client: PostgresClient, logger: Logger) async throws -> Double? {
        let rows = try await client.rows(
            """
            SELECT extract(epoch FROM min(timeout_at) - now())::float8
            FROM \(unescaped: schema).interactions WHERE state <> 'closed' AND timeout_at IS NOT NULL
            """, logger: logger)
        for try await value in rows.decode(Double?.self) { return value }
        return nil
    }

    /// The database's clock (the transaction's start), which every timer uses.
    func databaseNow(on connection: PostgresConnection, logger: Logger) async throws -> Date {
        let rows = try await connection.query("SELECT now()", logger: logger)
        for try await now in rows.decode(Date.self) { return now }
        return Date()  // unreachable: SELECT now() returns one row
    }

    func interaction(id: UUID, client: PostgresClient, logger: Logger) async throws -> InteractionView? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.viewColumns) FROM \(unescaped: schema).interactions WHERE id = \(id)
            """, logger: logger)
        var found: InteractionView?
        for try await row in rows { found = try Self.view(from: row) }
        guard var view = found else { return nil }

        let entries = try await client.rows(
            """
            SELECT \(unescaped: Self.entryColumns) FROM \(unescaped: schema).transcript WHERE interaction_id = \(id) ORDER BY seq
            """, logger: logger)
        var transcript: [TranscriptEntryView] = []
        let decoder = SwitchboardJSON.decoder()
        for try await row in entries { transcript.append(try Self.entry(from: row.makeRandomAccess(), decoder: decoder)) }
        view.transcript = transcript
        return view
    }

    func list(_ filter: InteractionFilter, client: PostgresClient, logger: Logger) async throws -> ListPage<InteractionView> {
        // Whole microseconds, not a `Date` bind (truncated through a Double: a microsecond off).
        let cursorMicros = filter.cursor?.microseconds
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.viewColumns) FROM \(unescaped: schema).interactions i
            WHERE (\(filter.from)::text IS NULL OR from_number = \(filter.from))
              AND (\(filter.to)::text IS NULL OR to_number = \(filter.to))
              AND (\(filter.contactID)::text IS NULL OR contact_id = \(filter.contactID))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(filter.queue)::text IS NULL OR queue = \(filter.queue))
              AND (\(filter.state)::text IS NULL OR state = \(filter.state)
                   OR (\(filter.state) = 'open' AND state <> 'closed'))
              AND (\(filter.createdAfter)::timestamptz IS NULL OR created_at >= \(filter.createdAfter))
              AND (\(filter.createdBefore)::timestamptz IS NULL OR created_at < \(filter.createdBefore))
              AND (\(filter.visibleTo)::text IS NULL OR owner_id = \(filter.visibleTo) OR EXISTS (
                    SELECT 1 FROM \(unescaped: schema).participants p WHERE p.interaction_id = i.id AND p.agent_id = \(filter.visibleTo))
                   OR EXISTS (
                    SELECT 1 FROM \(unescaped: schema).consultations c
                    WHERE c.interaction_id = i.id AND c.agent_id = \(filter.visibleTo) AND c.state = 'open'))
              AND (\(cursorMicros)::bigint IS NULL
                   OR (created_at, id) < (to_timestamp(0) + \(cursorMicros)::float8 * interval '1 microsecond', \(filter.cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var items: [InteractionView] = []
        for try await row in rows { items.append(try Self.view(from: row)) }
        var next: String?
        if items.count > filter.limit {
            items.removeLast()
            if let last = items.last, let id = UUID(uuidString: last.id) {
                next = KeysetCursor(at: last.createdAt, id: id).encoded
            }
        }
        return ListPage(items: items, next: next)
    }

    private static let recordColumns = """
        id, state, mode, channel, from_number, to_number, owner_id, owner_name, disposition, disposition_required,
        case_data::text AS case_data, inactivity_timeout_seconds
        """

    private static func record(from row: PostgresRow) throws -> InteractionRecord {
        let columns = row.makeRandomAccess()
        return InteractionRecord(
            id: try columns["id"].decode(UUID.self),
            state: InteractionState(rawValue: try columns["state"].decode(String.self)) ?? .closed,
            mode: InteractionMode(rawValue: try columns["mode"].decode(String.self)) ?? .session,
            channel: try columns["channel"].decode(String.self),
            from: try columns["from_number"].decode(String.self),
            to: try columns["to_number"].decode(String.self),
            ownerID: try columns["owner_id"].decode(String?.self),
            ownerName: try columns["owner_name"].decode(String?.self),
            disposition: try columns["disposition"].decode(String?.self),
            dispositionRequired: try columns["disposition_required"].decode(Bool.self),
            caseData: try JSONDecoder().decode([String: String].self, from: Data(try columns["case_data"].decode(String.self).utf8)),
            inactivityTimeoutSeconds: try columns["inactivity_timeout_seconds"].decode(Int.self)
        )
    }

    static let viewColumns = """
        id, state, mode, media, channel, from_number, to_number, queue, origin, owner_id, owner_name, contact_id, contact_name,
        created_at, closed_at, close_reason, disposition, note, case_data::text AS case_data
        """

    static func view(from row: PostgresRow) throws -> InteractionView {
        let columns = row.makeRandomAccess()
        let id = try columns["id"].decode(UUID.self)
        let createdAt = try columns["created_at"].decode(Date.self)
        let closedAt = try columns["closed_at"].decode(Date?.self)
        let ownerID = try columns["owner_id"].decode(String?.self)
        let ownerName = try columns["owner_name"].decode(String?.self)
        let contactID = try columns["contact_id"].decode(String?.self)
        let contactName = try columns["contact_name"].decode(String?.self)
        return InteractionView(
            id: id.uuidString.lowercased(),
            state: try columns["state"].decode(String.self),
            mode: try columns["mode"].decode(String.self),
            media: try columns["media"].decode(String.self),
            channel: try columns["channel"].decode(String.self),
            from: try columns["from_number"].decode(String.self),
            to: try columns["to_number"].decode(String.self),
            queue: try columns["queue"].decode(String.self),
            origin: try columns["origin"].decode(String.self),
            contact: contactID.map { PartyView(id: $0, name: contactName) },
            owner: ownerID.map { PartyView(id: $0, name: ownerName) },
            createdAt: createdAt,
            closedAt: closedAt,
            closeReason: try columns["close_reason"].decode(String?.self),
            elapsedSeconds: max(0, Int((closedAt ?? Date()).timeIntervalSince(createdAt))),
            disposition: try columns["disposition"].decode(String?.self),
            note: try columns["note"].decode(String?.self),
            caseData: try JSONDecoder().decode([String: String].self, from: Data(try columns["case_data"].decode(String.self).utf8)),
            transcript: nil
        )
    }
}
