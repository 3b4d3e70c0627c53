import Foundation
import PostgresNIO

/// Appends a transcript entry in one statement: takes the interaction's next sequence
/// number (with `activity`, also moves its last activity, which pushes an open session's
/// inactivity deadline; activity never moves backwards) and inserts the entry. Runs for
/// every message either way, so it is a named prepared statement (see
/// ``OpenSessionStatement``). It changes no indexed column (`timeout_at` is only the
/// timer's next look, see ``InactivityTimer``), so the row update is a HOT update.
struct AppendEntryStatement: PostgresPreparedStatement {
    static let sql = """
        WITH next AS (
            UPDATE session.interactions
            SET next_seq = next_seq + 1,
                last_activity_at = CASE WHEN $1::timestamptz IS NULL THEN last_activity_at
                    ELSE greatest(last_activity_at, $1) END
            WHERE id = $2
            RETURNING next_seq - 1 AS seq
        )
        INSERT INTO session.transcript
            (interaction_id, seq, kind, direction, author_type, author_id, author_name, text, media, parts, entities,
             message_id, ingest_sequence, at)
        SELECT $2, next.seq, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14
        FROM next
        RETURNING seq
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .timestamptz, .uuid, .text, .text, .text, .text, .text, .text, .text, .text, .text, .text, .int8, .timestamptz,
    ]
    typealias Row = Int

    var entry: NewTranscriptEntry
    var activity: Date?
    /// JSON texts of the entry's media ids, parts and entities.
    var media: String
    var parts: String
    var entities: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 14)
        bindings.append(activity)
        bindings.append(entry.interactionID)
        bindings.append(entry.kind)
        bindings.append(entry.direction)
        bindings.append(entry.authorType)
        bindings.append(entry.authorID)
        bindings.append(entry.authorName)
        bindings.append(entry.text)
        bindings.append(media)
        bindings.append(parts)
        bindings.append(entities)
        bindings.append(entry.messageID)
        bindings.append(entry.ingestSequence)
        bindings.append(entry.at)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int {
        try row.decode(Int.self)
    }
}
