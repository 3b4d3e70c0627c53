public import Logging
public import PostgresNIO

/// Deletes outbox rows that a replica of an earlier version marked sent (it set `sent_at`
/// instead of deleting them, and kept them for the retention) once they are older than the
/// retention: during a rolling upgrade the two versions share the table.
public struct OutboxJanitor: Sendable {
    public let outbox: Outbox
    public let retentionHours: Int

    public init(outbox: Outbox, retentionHours: Int = 24) {
        self.outbox = outbox
        self.retentionHours = retentionHours
    }

    public func purge(client: PostgresClient, logger: Logger) async throws {
        try await client.query("""
            DELETE FROM \(unescaped: outbox.schema).outbox
            WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(hours => \(retentionHours))
            """, logger: logger)
    }
}
