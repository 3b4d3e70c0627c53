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
        let rows = try await connection.query("""
            INSERT INTO \(unescaped: schema).inbox (consumer, message_id) VALUES (\(consumer), \(messageID))
            ON CONFLICT DO NOTHING RETURNING message_id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
