import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// An open (or just claimed) reassembly group.
struct PartGroup: Sendable, Equatable {
    var id: UUID
    var channel: String
    var from: String
    var to: String
    var ref: Int
    var total: Int
    var source: String
    var traceparent: String?
}

/// Long-SMS parts in `ingest.part_groups` and `ingest.parts`. Every function runs in the
/// caller's transaction, which holds the conversation's advisory lock.
struct PostgresPartStore: Sendable {
    let schema: String

    private static let groupColumns = "id, channel, from_number, to_number, ref, total, source, traceparent"
    private typealias GroupRow = (UUID, String, String, String, Int, Int, String, String?)

    /// The group a part with this (channel, carrier id) went to, if it was seen before.
    func groupOfPart(channel: String, carrierMessageID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT group_id FROM \(unescaped: schema).parts WHERE channel = \(channel) AND carrier_message_id = \(carrierMessageID)
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// The open group for this part's (channel, numbers, ref, total), opened now if none is.
    func openGroup(
        for message: ValidatedInbound, part: InboundMessage.Part, source: String, traceparent: String?, timeout: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> PartGroup {
        let select: PostgresQuery = """
            SELECT \(unescaped: Self.groupColumns) FROM \(unescaped: schema).part_groups
            WHERE channel = \(message.channel) AND from_number = \(message.from) AND to_number = \(message.to)
              AND ref = \(part.ref) AND total = \(part.total) AND emitted_at IS NULL
            FOR UPDATE
            """
        for try await row in try await connection.query(select, logger: logger).decode(GroupRow.self) { return Self.group(row) }
        let id = UUID()
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).part_groups (id, channel, from_number, to_number, ref, total, source, traceparent, due_at)
            VALUES (\(id), \(message.channel), \(message.from), \(message.to), \(part.ref), \(part.total), \(source), \(traceparent),
                    clock_timestamp() + \(timeout) * interval '1 second')
            """, logger: logger)
        return PartGroup(
            id: id, channel: message.channel, from: message.from, to: message.to, ref: part.ref, total: part.total,
            source: source, traceparent: traceparent
        )
    }

    /// Stores a part; false when its seq is already there (another id for the same part).
    func insertPart(_ message: ValidatedInbound, seq: Int, group: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let media = String(decoding: try SwitchboardJSON.encoder().encode(message.media), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).parts (group_id, seq, channel, carrier_message_id, text, media, received_at)
            VALUES (\(group), \(seq), \(message.channel), \(message.carrierMessageID), \(message.text), \(media)::jsonb, \(message.receivedAt))
            ON CONFLICT DO NOTHING
            RETURNING seq
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// The group's parts, in seq order.
    func parts(of group: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [StoredPart] {
        let rows = try await connection.query(
            """
            SELECT seq, carrier_message_id, text, media::text, received_at FROM \(unescaped: schema).parts
            WHERE group_id = \(group) ORDER BY seq
            """, logger: logger)
        var parts: [StoredPart] = []
        for try await (seq, carrierID, text, media, receivedAt) in rows.decode((Int, String, String, String, Date).self) {
            let items = (try? SwitchboardJSON.decoder().decode([ValidatedInbound.Media].self, from: Data(media.utf8))) ?? []
            parts.append(StoredPart(seq: seq, carrierMessageID: carrierID, text: text, media: items, receivedAt: receivedAt))
        }
        return parts
    }

    func markEmitted(_ group: UUID, incomplete: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).part_groups SET emitted_at = clock_timestamp(), incomplete = \(incomplete) WHERE id = \(group)
            """, logger: logger)
    }

    /// Open groups whose wait is over (database clock), oldest first; not locked.
    func dueGroups(limit: Int, client: PostgresClient, logger: Logger) async throws -> [PartGroup] {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.groupColumns) FROM \(unescaped: schema).part_groups
            WHERE emitted_at IS NULL AND due_at <= clock_timestamp() ORDER BY due_at LIMIT \(limit)
            """, logger: logger)
        var groups: [PartGroup] = []
        for try await row in rows.decode(GroupRow.self) { groups.append(Self.group(row)) }
        return groups
    }

    /// Claims one due group (still open, still due, not locked by another instance).
    func claimDue(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> PartGroup? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.groupColumns) FROM \(unescaped: schema).part_groups
            WHERE id = \(id) AND emitted_at IS NULL AND due_at <= clock_timestamp()
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        for try await row in rows.decode(GroupRow.self) { return Self.group(row) }
        return nil
    }

    /// Seconds until the next open group is due (database clock), or nil.
    func secondsUntilNextDue(client: PostgresClient, logger: Logger) async throws -> Double? {
        let rows = try await client.rows(
            """
            SELECT EXTRACT(EPOCH FROM (min(due_at) - clock_timestamp()))::float8
            FROM \(unescaped: schema).part_groups WHERE emitted_at IS NULL
            """, logger: logger)
        for try await seconds in rows.decode(Double?.self) { return seconds }
        return nil
    }

    private static func group(_ row: GroupRow) -> PartGroup {
        PartGroup(id: row.0, channel: row.1, from: row.2, to: row.3, ref: row.4, total: row.5, source: row.6, traceparent: row.7)
    }
}

/// A stored part.
struct StoredPart: Sendable, Equatable {
    var seq: Int
    var carrierMessageID: String
    var text: String
    var media: [ValidatedInbound.Media]
    var receivedAt: Date
}
