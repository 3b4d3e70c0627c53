import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// The merge audit records (`merges`): written by a merge and its undo, read by
/// `GET /v1/merges` and `GET /v1/merges/{id}`.
///
/// `at` and `undone_at` are bound and read as microseconds since 1970, as contact times
/// are (``ContactTime``): a record read back shows the very times its merge and undo
/// answered with.
extension PostgresContactStore {
    func insertMerge(_ audit: MergeAudit, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).merges (id, target_id, source_id, audit, merged_by, at, undone_at, undone_by)
            VALUES (\(audit.id), \(audit.targetID), \(audit.sourceID), \(try Self.auditJSON(audit))::jsonb, \(audit.mergedBy),
                    \(unescaped: Self.epoch) + \(ContactTime.microseconds(audit.at))::float8 * interval '1 microsecond', NULL, NULL)
            """, logger: logger)
    }

    func lockMerge(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> MergeAudit? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.mergeColumns) FROM \(unescaped: schema).merges WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.merge(from: row).audit }
        return nil
    }

    func markUndone(_ id: UUID, at: Date, by agent: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).merges
            SET undone_at = \(unescaped: Self.epoch) + \(ContactTime.microseconds(at))::float8 * interval '1 microsecond',
                undone_by = \(agent)
            WHERE id = \(id)
            """, logger: logger)
    }

    func merge(id: UUID, client: PostgresClient, logger: Logger) async throws -> MergeAudit? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.mergeColumns) FROM \(unescaped: schema).merges WHERE id = \(id)
            """, logger: logger)
        var found: MergeAudit?
        for try await row in rows { found = try Self.merge(from: row).audit }
        return found
    }

    /// The merges whose target or source is the filter's contact, newest first (`at`, then
    /// id). Each side is read in that order from its own index (migration 4), at most a page
    /// of it, and the two are merged: a page costs the same however many merges the contact
    /// was in. A merge never has the same contact on both sides (``MergePlanner`` refuses
    /// it); the second side leaves such a row out all the same, so no page lists one twice.
    func merges(_ filter: MergeFilter, client: PostgresClient, logger: Logger) async throws -> MergePage {
        let contact = filter.contactID
        let cursorMicros = filter.cursor?.microseconds
        let cursorID = filter.cursor?.id
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.mergeColumns) FROM (
                (SELECT * FROM \(unescaped: schema).merges
                 WHERE target_id = \(contact)
                   AND (\(cursorMicros)::bigint IS NULL
                        OR (at, id) < (\(unescaped: Self.epoch) + \(cursorMicros)::float8 * interval '1 microsecond', \(cursorID)::uuid))
                 ORDER BY at DESC, id DESC LIMIT \(filter.limit + 1))
                UNION ALL
                (SELECT * FROM \(unescaped: schema).merges
                 WHERE source_id = \(contact) AND target_id <> \(contact)
                   AND (\(cursorMicros)::bigint IS NULL
                        OR (at, id) < (\(unescaped: Self.epoch) + \(cursorMicros)::float8 * interval '1 microsecond', \(cursorID)::uuid))
                 ORDER BY at DESC, id DESC LIMIT \(filter.limit + 1))
            ) m
            ORDER BY at DESC, id DESC
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var records: [(audit: MergeAudit, key: KeysetCursor)] = []
        for try await row in rows { records.append(try Self.merge(from: row)) }
        var next: String?
        if records.count > filter.limit {
            records.removeLast()
            next = records.last?.key.encoded
        }
        return MergePage(items: records.map { MergeView(record: $0.audit) }, next: next)
    }

    // MARK: Rows

    private static let mergeColumns = """
        id, audit::text AS audit, undone_by,
        (extract(epoch FROM at) * 1000000)::bigint AS at_us,
        (extract(epoch FROM undone_at) * 1000000)::bigint AS undone_us
        """

    /// The audit with the undo's time and agent (kept in their own columns), and the
    /// record's place in the list order.
    private static func merge(from row: PostgresRow) throws -> (audit: MergeAudit, key: KeysetCursor) {
        let columns = row.makeRandomAccess()
        let text = try columns["audit"].decode(String.self)
        var audit = try auditDecoder().decode(MergeAudit.self, from: Data(text.utf8))
        audit.undoneAt = try columns["undone_us"].decode(Int64?.self).map(ContactTime.date(microseconds:))
        audit.undoneBy = try columns["undone_by"].decode(String?.self)
        let key = KeysetCursor(microseconds: try columns["at_us"].decode(Int64.self), id: try columns["id"].decode(UUID.self))
        return (audit, key)
    }

    /// The audit keeps times in `Date`'s own representation (a JSON number of seconds since
    /// 2001 that round-trips exactly), so an undo writes back the very timestamps the
    /// contacts had, to the microsecond.
    static func auditJSON(_ audit: MergeAudit) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .deferredToDate
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(audit), as: UTF8.self)
    }

    static func auditDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }
}
