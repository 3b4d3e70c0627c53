import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Media metadata and the access projection, in the `media` schema. Changes run on the
/// caller's connection, inside the caller's transaction (with the inbox record and the
/// outbox event).
struct PostgresMediaStore {
    let schema: String

    /// Whether item (`messageID`, `index`) was already stored or failed (a redelivered
    /// command is then not fetched again).
    func isSettled(messageID: String, index: Int, client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.rows(
            """
            SELECT EXISTS (SELECT 1 FROM \(unescaped: schema).items WHERE message_id = \(messageID) AND idx = \(Int32(index)))
                OR EXISTS (SELECT 1 FROM \(unescaped: schema).failures WHERE message_id = \(messageID) AND idx = \(Int32(index)))
            """, logger: logger)
        for try await settled in rows.decode(Bool.self) { return settled }
        return false
    }

    func blob(sha256: String, client: PostgresClient, logger: Logger) async throws -> BlobRecord? {
        let rows = try await client.rows(
            """
            SELECT sha256, content_type, bytes, width, height, thumbnail_sha256, thumbnail_content_type
            FROM \(unescaped: schema).blobs WHERE sha256 = \(sha256)
            """, logger: logger)
        for try await row in rows { return try Self.blob(from: row.makeRandomAccess()) }
        return nil
    }

    /// Inserts the blob unless one with its digest exists.
    func insertBlob(_ blob: BlobRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let width = blob.width.map { Int32(clamping: $0) }
        let height = blob.height.map { Int32(clamping: $0) }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).blobs
                (sha256, content_type, bytes, width, height, thumbnail_sha256, thumbnail_content_type)
            VALUES (\(blob.sha256), \(blob.contentType), \(Int64(blob.bytes)), \(width), \(height),
                    \(blob.thumbnailSHA256), \(blob.thumbnailContentType))
            ON CONFLICT (sha256) DO UPDATE SET
                thumbnail_sha256 = coalesce(excluded.thumbnail_sha256, blobs.thumbnail_sha256),
                thumbnail_content_type = coalesce(excluded.thumbnail_content_type, blobs.thumbnail_content_type),
                width = coalesce(blobs.width, excluded.width),
                height = coalesce(blobs.height, excluded.height)
            """, logger: logger)
    }

    /// Inserts the item; false when (`message_id`, `idx`) already has one.
    func insertItem(_ record: MediaRecord, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).items (id, message_id, idx, interaction_id, sha256, filename, channel, created_at)
            VALUES (\(record.id), \(record.messageID), \(Int32(record.index)), \(record.interactionID), \(record.blob.sha256),
                    \(record.filename), \(record.channel), \(record.createdAt))
            ON CONFLICT (message_id, idx) DO NOTHING
            RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Records a failure; false when the item already failed or was stored.
    func recordFailure(
        messageID: String, index: Int, reason: String, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).failures (message_id, idx, reason, failed_at)
            SELECT \(messageID), \(Int32(index)), \(reason), \(at)
            WHERE NOT EXISTS (SELECT 1 FROM \(unescaped: schema).items WHERE message_id = \(messageID) AND idx = \(Int32(index)))
            ON CONFLICT (message_id, idx) DO NOTHING
            RETURNING message_id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Serialises, until commit, the transactions that meet over one message: storing an item
    /// of it and learning its interaction (``mapMessage``). Without it each can miss the
    /// other's uncommitted row and the item never learns its interaction.
    func lockMessage(_ messageID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(Self.messageLockClass), hashtext(\(messageID)))", logger: logger
        )
    }

    /// The first key of ``lockMessage``'s two-key advisory locks (its own key space).
    private static let messageLockClass: Int32 = 0x5342_4D4D  // "SBMM"

    func interactionID(ofMessage messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT interaction_id FROM \(unescaped: schema).message_interactions WHERE message_id = \(messageID)
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// `interaction.message.appended`: remembers the message's interaction and gives it to
    /// the message's items that did not know it yet.
    func mapMessage(_ messageID: String, to interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).message_interactions (message_id, interaction_id)
            VALUES (\(messageID), \(interactionID))
            ON CONFLICT (message_id) DO NOTHING
            """, logger: logger)
        try await connection.query(
            """
            UPDATE \(unescaped: schema).items SET interaction_id = \(interactionID)
            WHERE message_id = \(messageID) AND interaction_id IS NULL
            """, logger: logger)
    }

    /// `interaction.assigned`: the agent may see the interaction's media from now on, for good.
    func addParticipant(interactionID: UUID, agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await InteractionParticipants(schema: schema).add(interactionID: interactionID, agentID: agentID, at: at, on: connection, logger: logger)
    }

    func item(id: UUID, client: PostgresClient, logger: Logger) async throws -> MediaRecord? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.columns)
            FROM \(unescaped: schema).items i JOIN \(unescaped: schema).blobs b ON b.sha256 = i.sha256
            WHERE i.id = \(id)
            """, logger: logger)
        for try await row in rows { return try Self.record(from: row) }
        return nil
    }

    func isParticipant(interactionID: UUID, agentID: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        try await client.withConnection { connection in
            try await InteractionParticipants(schema: schema).contains(interactionID: interactionID, agentID: agentID, on: connection, logger: logger)
        }
    }

    func items(interactionID: UUID, limit: Int, client: PostgresClient, logger: Logger) async throws -> [MediaRecord] {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.columns)
            FROM \(unescaped: schema).items i JOIN \(unescaped: schema).blobs b ON b.sha256 = i.sha256
            WHERE i.interaction_id = \(interactionID)
            ORDER BY i.created_at, i.idx, i.id
            LIMIT \(limit)
            """, logger: logger)
        var records: [MediaRecord] = []
        for try await row in rows { records.append(try Self.record(from: row)) }
        return records
    }

    private static let columns = """
        i.id, i.message_id, i.idx, i.interaction_id, i.filename, i.channel, i.created_at,
        b.sha256, b.content_type, b.bytes, b.width, b.height, b.thumbnail_sha256, b.thumbnail_content_type
        """

    private static func record(from row: PostgresRow) throws -> MediaRecord {
        let columns = row.makeRandomAccess()
        return MediaRecord(
            id: try columns["id"].decode(UUID.self),
            messageID: try columns["message_id"].decode(String.self),
            index: Int(try columns["idx"].decode(Int32.self)),
            interactionID: try columns["interaction_id"].decode(UUID?.self),
            filename: try columns["filename"].decode(String?.self),
            channel: try columns["channel"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            blob: try blob(from: columns)
        )
    }

    private static func blob(from columns: PostgresRandomAccessRow) throws -> BlobRecord {
        BlobRecord(
            sha256: try columns["sha256"].decode(String.self),
            contentType: try columns["content_type"].decode(String.self),
            bytes: Int(try columns["bytes"].decode(Int64.self)),
            width: try columns["width"].decode(Int32?.self).map { Int($0) },
            height: try columns["height"].decode(Int32?.self).map { Int($0) },
            thumbnailSHA256: try columns["thumbnail_sha256"].decode(String?.self),
            thumbnailContentType: try columns["thumbnail_content_type"].decode(String?.self)
        )
    }
}
