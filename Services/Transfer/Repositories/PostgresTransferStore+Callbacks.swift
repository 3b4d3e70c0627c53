import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Due SMS callbacks on their way to a person (`transfer.callbacks`), and their offers.
extension PostgresTransferStore {
    static let callbackColumns = """
        id, summary::text AS summary, state, declined, accepted_by, fired_at, updated_at
        """

    func insertCallback(_ c: DueCallbackRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let summary = try Self.json(c.summary)
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).callbacks (id, summary, target_type, target_id, state, declined, accepted_by, fired_at, updated_at)
            VALUES (\(c.id), \(summary)::jsonb, \(c.summary.target.type), \(c.summary.target.id), \(c.state.rawValue), \(c.declined.sorted()),
                    \(c.acceptedBy), \(c.firedAt), \(c.updatedAt))
            """, logger: logger)
    }

    func lockCallback(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> DueCallbackRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.callbackColumns) FROM \(unescaped: schema).callbacks WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.callback(from: row) }
        return nil
    }

    func updateCallback(_ c: DueCallbackRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).callbacks
            SET state = \(c.state.rawValue), declined = \(c.declined.sorted()), accepted_by = \(c.acceptedBy), updated_at = \(c.updatedAt)
            WHERE id = \(c.id)
            """, logger: logger)
    }

    /// A due callback's notes or contact changed: its summary, which later offers show, and
    /// the copy its pending offer shows (`GET /v1/agents/{id}/offers`); nothing else.
    func updateCallbackSummary(_ c: DueCallbackRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let summary = try Self.json(c.summary)
        try await connection.query(
            """
            UPDATE \(unescaped: schema).callbacks SET summary = \(summary)::jsonb, updated_at = \(c.updatedAt) WHERE id = \(c.id)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE \(unescaped: schema).offers SET callback = \(summary)::jsonb WHERE callback_id = \(c.id) AND state = 'pending'
            """, logger: logger)
    }

    func deleteCallback(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM \(unescaped: schema).callbacks WHERE id = \(id)", logger: logger)
    }

    /// Waiting callbacks for `queues` or for `agents` (by id, or as members of one of
    /// `queues`), oldest first, locked.
    func waitingCallbacks(
        queues: [String], agents: [String], limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws
        -> [DueCallbackRecord]
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.callbackColumns) FROM \(unescaped: schema).callbacks c
            WHERE c.state = 'waiting' AND (
                (c.target_type = 'queue' AND c.target_id = ANY(\(queues)))
                OR (c.target_type = 'agent' AND (c.target_id = ANY(\(agents))
                    OR EXISTS (SELECT 1 FROM \(unescaped: schema).agents a WHERE a.id = c.target_id AND a.queues && \(queues)))))
            ORDER BY c.fired_at, c.id LIMIT \(limit)
            FOR UPDATE
            """, logger: logger)
        var callbacks: [DueCallbackRecord] = []
        for try await row in rows { callbacks.append(try Self.callback(from: row)) }
        return callbacks
    }

    /// The pending offer of a callback, locked, or nil.
    func lockPendingOffer(callback: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE callback_id = \(callback) AND state = 'pending' FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.offer(from: row) }
        return nil
    }

    static func callback(from row: PostgresRow) throws -> DueCallbackRecord {
        let c = row.makeRandomAccess()
        let state = try c["state"].decode(String.self)
        guard let stateValue = DueCallbackState(rawValue: state) else { throw CorruptTransferRow(detail: "callback state \(state)") }
        guard let summary = try callbackSummary(c["summary"].decode(String.self)) else {
            throw CorruptTransferRow(detail: "callback without its summary")
        }
        return DueCallbackRecord(
            id: try c["id"].decode(UUID.self),
            summary: summary,
            state: stateValue,
            declined: Set(try c["declined"].decode([String].self)),
            acceptedBy: try c["accepted_by"].decode(String?.self),
            firedAt: try c["fired_at"].decode(Date.self),
            updatedAt: try c["updated_at"].decode(Date.self)
        )
    }
}
