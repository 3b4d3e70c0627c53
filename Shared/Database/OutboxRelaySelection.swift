import Foundation
import PostgresNIO

/// The outbox relay's look, as a statement prepared once per relay connection: it deletes
/// the rows the broker confirmed, then selects the oldest unsent rows that are neither out
/// nor just deleted, of no conversation that has a row out or a row waiting for its retry.
/// One statement: a data-modifying `WITH` runs to completion whether or not the query reads
/// it, and the query sees the rows as they were before it.
///
/// Why prepared: the relay runs it for every batch, at low rates for every row, and
/// PostgreSQL parsed and planned it anew each time (0.15 ms of planning for 0.05–0.25 ms
/// of execution, measured with `pg_stat_statements`; docs/benchmark.md, "fifth pass").
/// A prepared statement's SQL is fixed, so it names the outbox without its schema: the
/// relay's connection has the outbox's schema as its `search_path`, and uses the
/// statement's generic plan (`plan_cache_mode`; ``OutboxPipeline``), through an index
/// whatever the table's statistics (`enable_seqscan` off on that connection). The rows and
/// conversations out are excluded through `NOT IN (SELECT unnest(…))`, which PostgreSQL
/// hashes once per execution in a generic plan; `NOT (id = ANY($2))` was hashed only as a
/// constant, in a custom plan, and a generic plan compared each row with every id out:
/// 21.6 ms instead of 1.8 ms for a look past 2,000 rows out (`EXPLAIN ANALYZE`, 6,000 rows
/// waiting), 2.7 ms this way.
struct OutboxRelaySelection: PostgresPreparedStatement {
    static let sql = """
        WITH confirmed AS (DELETE FROM outbox WHERE id = ANY($1))
        SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body, attempts
        FROM outbox
        WHERE sent_at IS NULL AND (retry_at IS NULL OR retry_at <= now())
          AND id NOT IN (SELECT unnest($2::int8[]))
          AND (correlation_id IS NULL OR NOT (correlation_id IN (SELECT unnest($3::text[])) OR correlation_id IN (
              SELECT correlation_id FROM outbox
              WHERE retry_at IS NOT NULL AND retry_at > now() AND correlation_id IS NOT NULL AND NOT (id = ANY($1)))))
        ORDER BY id LIMIT $4
        """

    static let bindingDataTypes: [PostgresDataType] = [.int8Array, .int8Array, .textArray, .int8]

    typealias Row = (Int64, String, String, String, String, String, String?, String?, Bool, Data, Int)

    /// Rows the broker confirmed: deleted, and not selected again.
    let confirmed: [Int64]
    /// Rows out (awaiting their confirms) or deleted by an earlier look of this turn.
    let notAgain: [Int64]
    /// Conversations that have a row out: their next row waits, to keep their order.
    let outConversations: [String]
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(confirmed)
        bindings.append(notAgain)
        bindings.append(outConversations)
        bindings.append(Int64(limit))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
