import Foundation
import PostgresNIO

/// Appends a batch's inbound entries in one statement: counts the entries per interaction,
/// moves each interaction's `next_seq` (and last activity) once by that count, and inserts
/// the entries numbered from the old `next_seq` in the batch's order — the same result as
/// appending them one by one (``AppendEntryStatement``). Run for every inbound batch, so
/// it is a named prepared statement (see ``OpenSessionStatement``): planning it took 0.7 ms
/// a call, a third of its cost (docs/benchmark.md, "sixth pass").
struct AppendInboundBatchStatement: PostgresPreparedStatement {
    static let sql = """
        WITH batch AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::timestamptz[])
                WITH ORDINALITY AS b (interaction_id, author_id, text, entities, message_id, ingest_sequence, at, position)
        ), counts AS (
            SELECT interaction_id, count(*)::int AS n, max(at) AS last_at FROM batch GROUP BY interaction_id
        ), bumped AS (
            UPDATE session.interactions i
            SET next_seq = i.next_seq + c.n, last_activity_at = greatest(i.last_activity_at, c.last_at)
            FROM counts c WHERE i.id = c.interaction_id
            RETURNING i.id, i.next_seq - c.n AS first_seq
        )
        INSERT INTO session.transcript
            (interaction_id, seq, kind, direction, author_type, author_id, author_name, text, media, parts, entities,
             message_id, ingest_sequence, at)
        SELECT b.interaction_id,
               bumped.first_seq + (row_number() OVER (PARTITION BY b.interaction_id ORDER BY b.position))::int - 1,
               'message', 'inbound', 'contact', b.author_id, NULL, b.text, '[]'::jsonb, '[]'::jsonb, b.entities::jsonb,
               b.message_id, b.ingest_sequence, b.at
        FROM batch b JOIN bumped ON bumped.id = b.interaction_id
        RETURNING message_id, seq
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuidArray, .textArray, .textArray, .textArray, .textArray, .int8Array, .timestamptzArray,
    ]
    typealias Row = (String, Int)

    var interactionIDs: [UUID]
    var customers: [String]
    var texts: [String]
    /// Each entry's entities, as JSON text.
    var entities: [String]
    var messageIDs: [String]
    var ingestSequences: [Int64]
    var at: [Date]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(interactionIDs)
        bindings.append(customers)
        bindings.append(texts)
        bindings.append(entities)
        bindings.append(messageIDs)
        bindings.append(ingestSequences)
        bindings.append(at)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
