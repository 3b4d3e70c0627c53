public import Logging
public import PostgresNIO

/// Deletes outbox rows sent longer ago than the retention (kept a while for audits and
/// replays), so the table stays small.
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
