public import Logging
public import PostgresNIO

/// Consumer-side dedup: a message id recorded in `<schema>.inbox` in the same transaction
/// as its effect, so a redelivered message finds it and does nothing.
public struct Inbox: Sendable {
    public let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// Records `messageID` for `consumer`. Returns false when it was already recorded
    /// (a duplicate delivery): the caller then commits nothing else and acks.
    public func claim(messageID: String, consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).inbox (consumer, message_id) VALUES (\(consumer), \(messageID))
            ON CONFLICT DO NOTHING RETURNING message_id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Records many message ids for `consumer` in one statement and returns those that were
    /// new (a batch's duplicates, within it or from before, are left out).
    public func claim(messageIDs: [String], consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        guard !messageIDs.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).inbox (consumer, message_id)
            SELECT \(consumer), message_id FROM unnest(\(messageIDs)::text[]) AS batch (message_id)
            ON CONFLICT DO NOTHING RETURNING message_id
            """, logger: logger)
        var claimed = Set<String>()
        for try await messageID in rows.decode(String.self) { claimed.insert(messageID) }
        return claimed
    }
}
