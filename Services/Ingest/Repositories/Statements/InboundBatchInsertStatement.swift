import Foundation
import PostgresNIO

/// Inserts a batch of whole inbound messages in one statement, one row per array element
/// in array order (`WITH ORDINALITY`), so the `bigserial` sequence follows the batch's
/// order; duplicates (same channel and carrier id, also within the batch) are left out.
///
/// Runs for every inbound batch, at low rates for every SMS, so it is a named prepared
/// statement: parsed and planned once per connection, not on every call (0.05 ms of
/// planning per call; docs/benchmark.md, "sixth pass"). Static SQL: ingest's tables always
/// live in the `ingest` schema (its migrations name it), as session's statements do.
struct InboundBatchInsertStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO ingest.messages
            (id, channel, carrier_message_id, from_number, to_number, text, media, received_at, source)
        SELECT id, channel, carrier_message_id, from_number, to_number, text, media::jsonb, received_at, $9
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
            WITH ORDINALITY AS batch (id, channel, carrier_message_id, from_number, to_number, text, media, received_at, position)
        ORDER BY position
        ON CONFLICT (channel, carrier_message_id) DO NOTHING
        RETURNING id, sequence, accepted_at
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuidArray, .textArray, .textArray, .textArray, .textArray, .textArray, .textArray, .timestamptzArray, .text,
    ]
    typealias Row = (UUID, Int64, Date)

    var ids: [UUID]
    var channels: [String]
    var carrierMessageIDs: [String]
    var from: [String]
    var to: [String]
    var texts: [String]
    /// Each message's media, as JSON text.
    var media: [String]
    var receivedAt: [Date]
    var source: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(ids)
        bindings.append(channels)
        bindings.append(carrierMessageIDs)
        bindings.append(from)
        bindings.append(to)
        bindings.append(texts)
        bindings.append(media)
        bindings.append(receivedAt)
        bindings.append(source)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
