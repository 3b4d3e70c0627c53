import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The batch path of inbound SMS: a fixed number of statements for any number of messages
/// (``InboundBatchHandler``). Arrays are bound whole and unnested in the database.
extension PostgresInteractionStore {
    /// The open Session-mode interactions of `conversations`, locked (`FOR UPDATE`, in id
    /// order), in one query.
    func openSessionIDs(
        _ conversations: [InboundBatchPlacement.Conversation], on connection: PostgresConnection, logger: Logger
    ) async throws -> [InboundBatchPlacement.Conversation: UUID] {
        guard !conversations.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT i.id, i.to_number, i.from_number FROM \(unescaped: schema).interactions i
            JOIN unnest(\(conversations.map(\.organisation))::text[], \(conversations.map(\.customer))::text[])
                AS batch (to_number, from_number)
                ON i.to_number = batch.to_number AND i.from_number = batch.from_number
            WHERE i.mode = 'session' AND i.state <> 'closed'
            ORDER BY i.id
            FOR UPDATE OF i
            """, logger: logger)
        var open: [InboundBatchPlacement.Conversation: UUID] = [:]
        for try await (id, organisation, customer) in rows.decode((UUID, String, String).self) {
            open[.init(organisation: organisation, customer: customer)] = id
        }
        return open
    }

    /// Creates interactions in one statement.
    func create(_ interactions: [NewInteraction], on connection: PostgresConnection, logger: Logger) async throws {
        guard !interactions.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                 inactivity_timeout_seconds, timeout_at, created_at, last_activity_at)
            SELECT id, 'queued', mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                   inactivity_timeout_seconds,
                   CASE WHEN mode = 'session' THEN created_at + make_interval(secs => inactivity_timeout_seconds) END,
                   created_at, created_at
            FROM unnest(
                \(interactions.map(\.id))::uuid[], \(interactions.map(\.settings.mode.rawValue))::text[],
                \(interactions.map(\.media))::text[], \(interactions.map(\.channel))::text[], \(interactions.map(\.from))::text[],
                \(interactions.map(\.to))::text[], \(interactions.map(\.settings.queue))::text[], \(interactions.map(\.origin))::text[],
                \(interactions.map(\.settings.dispositionRequired))::bool[],
                \(interactions.map(\.settings.inactivityTimeoutSeconds))::int[], \(interactions.map(\.createdAt))::timestamptz[]
            ) AS batch (id, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                        inactivity_timeout_seconds, created_at)
            """, logger: logger)
    }

    /// One statement: count the batch's entries per interaction, move each interaction's
    /// `next_seq` (and last activity) once by that count, and insert
    /// the entries numbered from the old `next_seq` in the batch's order — the same result as
    /// appending them one by one.
    func appendInbound(_ entries: [InboundEntry], on connection: PostgresConnection, logger: Logger) async throws -> [String: Int] {
        guard !entries.isEmpty else { return [:] }
        let encoder = SwitchboardJSON.encoder()
        let entities = try entries.map { String(decoding: try encoder.encode($0.entities), as: UTF8.self) }
        let rows = try await connection.query(
            """
            WITH batch AS (
                SELECT * FROM unnest(
                    \(entries.map(\.interactionID))::uuid[], \(entries.map(\.customer))::text[], \(entries.map(\.text))::text[],
                    \(entities)::text[], \(entries.map(\.messageID))::text[], \(entries.map(\.ingestSequence))::int8[],
                    \(entries.map(\.at))::timestamptz[]
                ) WITH ORDINALITY AS b (interaction_id, author_id, text, entities, message_id, ingest_sequence, at, position)
            ), counts AS (
                SELECT interaction_id, count(*)::int AS n, max(at) AS last_at FROM batch GROUP BY interaction_id
            ), bumped AS (
                UPDATE \(unescaped: schema).interactions i
                SET next_seq = i.next_seq + c.n, last_activity_at = greatest(i.last_activity_at, c.last_at)
                FROM counts c WHERE i.id = c.interaction_id
                RETURNING i.id, i.next_seq - c.n AS first_seq
            )
            INSERT INTO \(unescaped: schema).transcript
                (interaction_id, seq, kind, direction, author_type, author_id, author_name, text, media, parts, entities,
                 message_id, ingest_sequence, at)
            SELECT b.interaction_id,
                   bumped.first_seq + (row_number() OVER (PARTITION BY b.interaction_id ORDER BY b.position))::int - 1,
                   'message', 'inbound', 'contact', b.author_id, NULL, b.text, '[]'::jsonb, '[]'::jsonb, b.entities::jsonb,
                   b.message_id, b.ingest_sequence, b.at
            FROM batch b JOIN bumped ON bumped.id = b.interaction_id
            RETURNING message_id, seq
            """, logger: logger)
        var sequences: [String: Int] = [:]
        for try await (messageID, seq) in rows.decode((String, Int).self) { sequences[messageID] = seq }
        for entry in entries where sequences[entry.messageID] == nil {
            throw InteractionMissing(id: entry.interactionID)
        }
        return sequences
    }
}
