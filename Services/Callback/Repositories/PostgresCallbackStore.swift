import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Callbacks and their timers, in the `callback` schema.
///
/// Everything that changes a callback runs on the caller's connection inside the caller's
/// transaction, so the change, its outbox event and (for consumers) the inbox record commit
/// together.
struct PostgresCallbackStore {
    let schema: String

    func insert(_ record: CallbackRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).callbacks
                (id, phone, contact_id, interaction_id, due_at, time_zone, target_type, target_id, channel, notes, state,
                 scheduled_by, scheduled_by_name, outcome, created_at, updated_at, fired_at, completed_at)
            VALUES (\(record.id), \(record.phone), \(record.contactID), \(record.interactionID), \(record.dueAt), \(record.timeZone),
                    \(record.target.type.rawValue), \(record.target.id), \(record.channel.rawValue), \(record.notes),
                    \(record.state.rawValue), \(record.scheduledBy), \(record.scheduledByName), \(record.outcome),
                    \(record.createdAt), \(record.updatedAt), \(record.firedAt), \(record.completedAt))
            """, logger: logger)
    }

    /// The callback locked for update (`FOR UPDATE`: waits for a firing or another change in
    /// flight, then sees its result), or nil.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CallbackRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).callbacks WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.record(from: row) }
        return nil
    }

    /// Writes every mutable column of `record`.
    func update(_ record: CallbackRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).callbacks
            SET contact_id = \(record.contactID), due_at = \(record.dueAt), time_zone = \(record.timeZone),
                target_type = \(record.target.type.rawValue), target_id = \(record.target.id), notes = \(record.notes),
                state = \(record.state.rawValue), outcome = \(record.outcome), updated_at = \(record.updatedAt),
                fired_at = \(record.firedAt), completed_at = \(record.completedAt), accepted_by = \(record.acceptedBy)
            WHERE id = \(record.id)
            """, logger: logger)
    }

    /// The database's clock and the `scheduled` callbacks due by it, oldest first, locked
    /// with `FOR UPDATE SKIP LOCKED`: instances split them, and a row being changed by a
    /// request is left for the next pass.
    func claimDue(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> (now: Date, records: [CallbackRecord]) {
        // The database's clock, not this process's: every instance then agrees on what is due.
        var now = Date()
        let clock = try await connection.query("SELECT clock_timestamp()", logger: logger)
        for try await value in clock.decode(Date.self) { now = value }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).callbacks
            WHERE state = 'scheduled' AND due_at <= \(now)
            ORDER BY due_at, id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var records: [CallbackRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        return (now, records)
    }

    /// Marks claimed callbacks `due`, fired at `at`.
    func markDue(_ ids: [UUID], at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query(
            """
            UPDATE \(unescaped: schema).callbacks SET state = 'due', fired_at = \(at), updated_at = \(at)
            WHERE id = ANY(\(ids)) AND state = 'scheduled'
            """, logger: logger)
    }

    /// Seconds from the database's clock to the earliest `scheduled` due time (negative when
    /// overdue), or nil when none is scheduled.
    func secondsUntilNextDue(client: PostgresClient, logger: Logger) async throws -> Double? {
        let rows = try await client.rows(
            """
            SELECT extract(epoch FROM min(due_at) - clock_timestamp())::float8
            FROM \(unescaped: schema).callbacks WHERE state = 'scheduled'
            """, logger: logger)
        for try await value in rows.decode(Double?.self) { return value }
        return nil
    }

    /// Re-points every callback of contact `source` to `target`; returns the changed callbacks.
    /// Moves the source contact's callbacks to the target and remembers them under `mergeID`.
    func repointContact(
        from source: String, to target: String, mergeID: String, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [CallbackRecord] {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).callbacks SET contact_id = \(target), updated_at = \(at)
            WHERE contact_id = \(source)
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        var records: [CallbackRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        guard !records.isEmpty else { return records }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).merge_repoints (merge_id, callback_id, source_contact_id, target_contact_id)
            SELECT \(mergeID), id, \(source), \(target) FROM unnest(\(records.map(\.id))::uuid[]) AS id
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return records
    }

    /// Gives the callbacks merge `mergeID` moved back to their source contact (those still
    /// on the target; one re-pointed by hand since stays where it is) and forgets the merge.
    func restoreContact(mergeID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> [CallbackRecord] {
        let rows = try await connection.query(
            """
            WITH moved AS (
                DELETE FROM \(unescaped: schema).merge_repoints WHERE merge_id = \(mergeID)
                RETURNING callback_id, source_contact_id, target_contact_id
            )
            UPDATE \(unescaped: schema).callbacks c SET contact_id = moved.source_contact_id, updated_at = \(at)
            FROM moved
            WHERE c.id = moved.callback_id AND c.contact_id = moved.target_contact_id
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        var records: [CallbackRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        return records
    }

    func callback(id: UUID, client: PostgresClient, logger: Logger) async throws -> CallbackRecord? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).callbacks WHERE id = \(id)
            """, logger: logger)
        var found: CallbackRecord?
        for try await row in rows { found = try Self.record(from: row) }
        return found
    }

    func list(_ filter: CallbackFilter, client: PostgresClient, logger: Logger) async throws -> CallbackPage {
        let state = filter.state?.rawValue
        let targetType = filter.target?.type.rawValue
        let targetID = filter.target?.id
        // The cursor's time goes over as whole microseconds (a `Date` bind is truncated through
        // a Double and can land a microsecond early, repeating the last row on the next page).
        let cursorMicros = filter.cursor?.microseconds
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).callbacks
            WHERE (\(state)::text IS NULL OR state = \(state))
              AND (\(targetType)::text IS NULL OR (target_type = \(targetType) AND target_id = \(targetID)))
              AND (\(filter.dueBefore)::timestamptz IS NULL OR due_at < \(filter.dueBefore))
              AND (\(filter.visibleTo)::text IS NULL OR scheduled_by = \(filter.visibleTo)
                   OR (target_type = 'agent' AND target_id = \(filter.visibleTo)) OR target_type = 'queue')
              AND (\(cursorMicros)::bigint IS NULL
                   OR (due_at, id) > (to_timestamp(0) + \(cursorMicros)::float8 * interval '1 microsecond', \(filter.cursor?.id)))
            ORDER BY due_at, id
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var items: [CallbackView] = []
        for try await row in rows { items.append(try Self.record(from: row).view) }
        var next: String?
        if items.count > filter.limit {
            items.removeLast()
            next = items.last.flatMap { view in UUID(uuidString: view.id).map { KeysetCursor(at: view.dueAt, id: $0).encoded } }
        }
        return CallbackPage(items: items, next: next)
    }

    private static let columns = """
        id, phone, contact_id, interaction_id, due_at, time_zone, target_type, target_id, channel, notes, state,
        scheduled_by, scheduled_by_name, outcome, created_at, updated_at, fired_at, completed_at, accepted_by
        """

    private static func record(from row: PostgresRow) throws -> CallbackRecord {
        let columns = row.makeRandomAccess()
        let targetType = try columns["target_type"].decode(String.self)
        let channel = try columns["channel"].decode(String.self)
        let state = try columns["state"].decode(String.self)
        guard let kind = CallbackTarget.Kind(rawValue: targetType), let channelValue = CallbackChannel(rawValue: channel),
            let stateValue = CallbackState(rawValue: state)
        else { throw CorruptCallbackRow(detail: "target_type \(targetType), channel \(channel), state \(state)") }
        return CallbackRecord(
            id: try columns["id"].decode(UUID.self),
            phone: try columns["phone"].decode(String.self),
            contactID: try columns["contact_id"].decode(String?.self),
            interactionID: try columns["interaction_id"].decode(UUID?.self),
            dueAt: try columns["due_at"].decode(Date.self),
            timeZone: try columns["time_zone"].decode(String?.self),
            target: CallbackTarget(type: kind, id: try columns["target_id"].decode(String.self)),
            channel: channelValue,
            notes: try columns["notes"].decode(String?.self),
            state: stateValue,
            scheduledBy: try columns["scheduled_by"].decode(String.self),
            scheduledByName: try columns["scheduled_by_name"].decode(String?.self),
            outcome: try columns["outcome"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self),
            firedAt: try columns["fired_at"].decode(Date?.self),
            completedAt: try columns["completed_at"].decode(Date?.self),
            acceptedBy: try columns["accepted_by"].decode(String?.self)
        )
    }
}

/// A row whose enumerated columns hold a value the code does not know (the CHECK
/// constraints make this a bug, or a newer schema than this binary).
struct CorruptCallbackRow: Error, CustomStringConvertible {
    let detail: String
    var description: String { "callback row with unknown values: \(detail)" }
}
