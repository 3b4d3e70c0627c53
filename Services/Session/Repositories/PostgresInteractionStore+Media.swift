import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The media of inbound messages: attaching media ids to transcript entries, and the
/// failures parked until the message's entry exists.
extension PostgresInteractionStore {
    /// Adds a media id to the entry of an inbound message; returns the interaction and the
    /// entry as it now is, if the message is in a transcript.
    func attachMedia(
        messageID: String, mediaID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (interactionID: UUID, entry: TranscriptEntryView)? {
        try await lockMediaOfMessage(messageID, on: connection, logger: logger)
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).transcript
            SET media = CASE WHEN media @> jsonb_build_array(\(mediaID)::text) THEN media ELSE media || jsonb_build_array(\(mediaID)::text) END
            WHERE message_id = \(messageID)
            RETURNING interaction_id, \(unescaped: Self.entryColumns)
            """, logger: logger)
        let decoder = SwitchboardJSON.decoder()
        for try await row in rows {
            let columns = row.makeRandomAccess()
            return (try columns["interaction_id"].decode(UUID.self), try Self.entry(from: columns, decoder: decoder))
        }
        // The message is not in a transcript yet: keep the media id for when it is.
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).pending_media (message_id, media_id) VALUES (\(messageID), \(mediaID))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return nil
    }

    /// Serialises, until commit, the two transactions that meet over one MMS: the one that puts
    /// the message in a transcript and the one that attaches a stored image to it. Without it,
    /// under READ COMMITTED each can miss the other's uncommitted row (the image is parked in
    /// `pending_media` while the message's insert looks for pending images before that park
    /// commits) and the image never reaches the transcript. The lock is transaction-scoped,
    /// in its own two-key space (`mediaLockClass`), and only taken for messages with media.
    func lockMediaOfMessage(_ messageID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(Self.mediaLockClass), hashtext(\(messageID)))", logger: logger
        )
    }

    /// Keeps a `media.failed` whose message is not in a transcript yet.
    func parkMediaFailure(messageID: String, index: Int, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).pending_media_failures (message_id, idx, reason, failed_at)
            VALUES (\(messageID), \(index), \(reason), \(at))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Removes and returns the failures parked for a message, in item order.
    func takeParkedMediaFailures(messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> [ParkedMediaFailure] {
        let rows = try await connection.query(
            """
            DELETE FROM \(unescaped: schema).pending_media_failures WHERE message_id = \(messageID)
            RETURNING idx, reason, failed_at
            """, logger: logger)
        var failures: [ParkedMediaFailure] = []
        for try await (index, reason, at) in rows.decode((Int, String, Date).self) {
            failures.append(ParkedMediaFailure(index: index, reason: reason, failedAt: at))
        }
        return failures.sorted { $0.index < $1.index }
    }

    /// The first key of the two-key advisory locks that ``lockMediaOfMessage`` takes.
    static let mediaLockClass: Int32 = 0x5342_4D44  // "SBMD"

    /// Attaches media that arrived before their message (see ``attachMedia``); returns the
    /// entry's media ids after (nil if the message has no entry).
    func attachPendingMedia(messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> [String]? {
        let rows = try await connection.query(
            """
            WITH pending AS (
                DELETE FROM \(unescaped: schema).pending_media WHERE message_id = \(messageID) RETURNING media_id
            )
            UPDATE \(unescaped: schema).transcript
            SET media = media || coalesce((SELECT jsonb_agg(media_id) FROM pending), '[]'::jsonb)
            WHERE message_id = \(messageID)
            RETURNING media::text
            """, logger: logger)
        var media: [String]?
        for try await text in rows.decode(String.self) {
            media = try SwitchboardJSON.decoder().decode([String].self, from: Data(text.utf8))
        }
        return media
    }

    func interactionID(ofMessage messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT interaction_id FROM \(unescaped: schema).transcript WHERE message_id = \(messageID)", logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
