import Foundation
import PostgresNIO

/// Writes a batch of inbound SMS in one round trip: the interactions the batch opens (with
/// their `next_seq` past the batch's entries), the `next_seq` and last activity of the
/// sessions it continues, and the transcript entries numbered beforehand
/// (``InboundSequencing``). It replaces three statements (docs/benchmark.md, "fourteenth
/// pass"). Run for every inbound batch, so it is a named prepared statement (see
/// ``OpenSessionStatement``).
///
/// A continued session is moved only if its `next_seq` is still the one the batch numbered
/// from, and an entry is written only if its interaction was created or moved here, so
/// numbers decided from a stale read write nothing for that interaction instead of a gap
/// or a duplicate: the statement returns the message ids it wrote, and the caller fails
/// the batch for any it did not (it is then handled message by message).
struct InboundBatchWriteStatement: PostgresPreparedStatement {
    static let sql = """
        WITH created AS (
            INSERT INTO session.interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                 inactivity_timeout_seconds, timeout_at, created_at, last_activity_at, next_seq)
            SELECT id, 'queued', mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                   inactivity_timeout_seconds,
                   CASE WHEN mode = 'session' THEN created_at + make_interval(secs => inactivity_timeout_seconds) END,
                   created_at, last_activity_at, next_seq
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::bool[], $10::int[], $11::timestamptz[], $12::timestamptz[], $13::int[])
                AS n (id, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                      inactivity_timeout_seconds, created_at, last_activity_at, next_seq)
            RETURNING id
        ), continued AS (
            UPDATE session.interactions i
            SET next_seq = c.first_seq + c.count, last_activity_at = greatest(i.last_activity_at, c.last_at)
            FROM unnest($14::uuid[], $15::int[], $16::int[], $17::timestamptz[]) AS c (id, first_seq, count, last_at)
            WHERE i.id = c.id AND i.next_seq = c.first_seq
            RETURNING i.id
        )
        INSERT INTO session.transcript
            (interaction_id, seq, kind, direction, author_type, author_id, author_name, text, media, parts, entities,
             message_id, ingest_sequence, at)
        SELECT e.interaction_id, e.seq, 'message', 'inbound', 'contact', e.author_id, NULL, e.text, '[]'::jsonb, '[]'::jsonb,
               e.entities::jsonb, e.message_id, e.ingest_sequence, e.at
        FROM unnest($18::uuid[], $19::int[], $20::text[], $21::text[], $22::text[], $23::text[], $24::int8[], $25::timestamptz[])
            AS e (interaction_id, seq, author_id, text, entities, message_id, ingest_sequence, at)
        WHERE e.interaction_id IN (SELECT id FROM created UNION ALL SELECT id FROM continued)
        RETURNING message_id
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuidArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray,
        .boolArray, .int4Array, .timestamptzArray, .timestamptzArray, .int4Array,
        .uuidArray, .int4Array, .int4Array, .timestamptzArray,
        .uuidArray, .int4Array, .textArray, .textArray, .textArray, .textArray, .int8Array, .timestamptzArray,
    ]
    typealias Row = String

    /// The interactions the batch opens, each with its last activity and `next_seq`.
    var created: [(interaction: NewInteraction, lastActivity: Date, nextSeq: Int)]
    /// The sessions the batch continues, each with its last entry's time.
    var continued: [(InboundSequencing.Continued, lastAt: Date)]
    /// The entries with their numbers.
    var entries: [(entry: InboundEntry, seq: Int)]
    /// Each entry's entities, as JSON text.
    var entities: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 25)
        let interactions = created.map(\.interaction)
        bindings.append(interactions.map(\.id))
        bindings.append(interactions.map(\.settings.mode.rawValue))
        bindings.append(interactions.map(\.media))
        bindings.append(interactions.map(\.channel))
        bindings.append(interactions.map(\.from))
        bindings.append(interactions.map(\.to))
        bindings.append(interactions.map(\.settings.queue))
        bindings.append(interactions.map(\.origin))
        bindings.append(interactions.map(\.settings.dispositionRequired))
        bindings.append(interactions.map { Int32(clamping: $0.settings.inactivityTimeoutSeconds) })
        bindings.append(interactions.map(\.createdAt))
        bindings.append(created.map(\.lastActivity))
        bindings.append(created.map { Int32(clamping: $0.nextSeq) })
        bindings.append(continued.map(\.0.interactionID))
        bindings.append(continued.map { Int32(clamping: $0.0.firstSeq) })
        bindings.append(continued.map { Int32(clamping: $0.0.count) })
        bindings.append(continued.map(\.lastAt))
        bindings.append(entries.map(\.entry.interactionID))
        bindings.append(entries.map { Int32(clamping: $0.seq) })
        bindings.append(entries.map(\.entry.customer))
        bindings.append(entries.map(\.entry.text))
        bindings.append(entities)
        bindings.append(entries.map(\.entry.messageID))
        bindings.append(entries.map(\.entry.ingestSequence))
        bindings.append(entries.map(\.entry.at))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(String.self)
    }
}
