import Foundation
import PostgresNIO

/// What placing a batch of inbound SMS needs to know, in one round trip: for each of the
/// batch's conversations, its organisation number's own settings (none: the defaults
/// apply) and, where that number is in Session mode, the open session with its `next_seq`,
/// locked (`FOR UPDATE`, in id order) until the batch commits. It replaces a query for the
/// settings and one for the open sessions (docs/benchmark.md, "fourteenth pass"). Run for
/// every inbound batch, so it is a named prepared statement (see ``OpenSessionStatement``).
///
/// Every look at `interactions` is an index lookup per conversation, whatever the planner
/// believes of the table: the open session by the partial unique index of open sessions
/// (`LIMIT 1` in a lateral subquery, which the planner cannot turn into a scan of every
/// open session), then its row by id, locked in id order (so two transactions that lock
/// the same sessions wait rather than deadlock). The earlier join of the batch against
/// the open sessions, planned as a scan of all of them while the table had no statistics,
/// took 12 ms a batch of 16 in the benchmark's first minute (docs/benchmark.md,
/// "fourteenth pass"). A session closed while this waited for its lock is locked but not
/// returned (the lock returns the row as it is now). The locking query is a
/// `MATERIALIZED` common table expression because `FOR UPDATE` may not reach the nullable
/// side of the outer joins that attach its rows to the conversations.
struct InboundBatchStateStatement: PostgresPreparedStatement {
    static let sql = """
        WITH batch AS (
            SELECT DISTINCT to_number, from_number FROM unnest($1::text[], $2::text[]) AS b (to_number, from_number)
        ), settings AS (
            SELECT number, mode, queue, inactivity_timeout_seconds, disposition_required
            FROM session.number_settings WHERE number = ANY($1)
        ), candidates AS (
            SELECT c.id FROM batch b
            LEFT JOIN settings s ON s.number = b.to_number
            CROSS JOIN LATERAL (
                SELECT i.id FROM session.interactions i
                WHERE i.to_number = b.to_number AND i.from_number = b.from_number AND i.mode = 'session' AND i.state <> 'closed'
                LIMIT 1
            ) c
            WHERE coalesce(s.mode, $3) = 'session'
        ), open AS MATERIALIZED (
            SELECT l.id, l.to_number, l.from_number, l.next_seq, l.state
            FROM (SELECT id FROM candidates ORDER BY id) c
            CROSS JOIN LATERAL (
                SELECT i.id, i.to_number, i.from_number, i.next_seq, i.state FROM session.interactions i WHERE i.id = c.id
                FOR UPDATE
            ) l
        )
        SELECT b.to_number, b.from_number, s.mode, s.queue, s.inactivity_timeout_seconds, s.disposition_required, o.id, o.next_seq
        FROM batch b
        LEFT JOIN settings s ON s.number = b.to_number
        LEFT JOIN open o ON o.to_number = b.to_number AND o.from_number = b.from_number AND o.state <> 'closed'
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .text]
    typealias Row = (String, String, String?, String?, Int?, Bool?, UUID?, Int?)

    var organisations: [String]
    var customers: [String]
    /// The mode of a number without settings of its own.
    var defaultMode: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(organisations)
        bindings.append(customers)
        bindings.append(defaultMode)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
