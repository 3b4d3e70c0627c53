public import Logging
public import PostgresNIO
public import ServiceLifecycle

/// Keeps a schema's inbox and outbox from growing forever, every `interval` (one replica
/// or several: the deletes are idempotent).
///
/// - **Inbox**: a consumed message id is remembered for `inboxRetentionHours` (default a
///   week), then forgotten. A duplicate copy of a message comes from a publisher that
///   re-sent it after a lost confirm (minutes later) or from a redelivery of one that was
///   never acked; the inbox row is written when the first copy is handled, and any other
///   copy waits in the same queue behind it, so it is handled long before a week passes.
///   Ingest's own dedup of carrier ids (`ingest.messages`) is kept forever and is not an
///   inbox. A BRIN index on `received_at` (migration 1002) finds old rows without a scan
///   and costs next to nothing per insert, since rows arrive in time order.
/// - **Outbox**: rows that a replica of an earlier version marked sent (it set `sent_at`
///   instead of deleting them), once older than a day.
///
/// Deletes go in chunks of `chunk` rows, each its own statement, so no purge holds many
/// locks or one long transaction.
public struct MessagingJanitor: Service {
    private let client: PostgresClient
    private let schema: String
    private let inboxRetentionHours: Int
    private let interval: Duration
    private let chunk: Int
    private let waitUntilReady: @Sendable () async -> Void
    private let logger: Logger

    public init(
        client: PostgresClient, schema: String, inboxRetentionHours: Int, interval: Duration = .seconds(600), chunk: Int = 10_000,
        waitUntilReady: @escaping @Sendable () async -> Void = {}, logger: Logger
    ) {
        self.client = client
        self.schema = schema
        self.inboxRetentionHours = inboxRetentionHours
        self.interval = interval
        self.chunk = chunk
        self.waitUntilReady = waitUntilReady
        self.logger = logger
    }

    public func run() async throws {
        await waitUntilReady()
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let forgotten = try await purgeInbox()
                    try await purgeLegacyOutbox()
                    if forgotten > 0 {
                        logger.info("inbox purged", metadata: ["schema": "\(schema)", "rows": "\(forgotten)"])
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("messaging janitor failed; will retry", metadata: ["reason": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Deletes inbox rows older than the retention, chunk by chunk; returns how many.
    @discardableResult
    public func purgeInbox() async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let rows = try await client.rows(
                """
                WITH old AS (
                    SELECT ctid FROM \(unescaped: schema).inbox
                    WHERE received_at < now() - make_interval(hours => \(inboxRetentionHours)::int)
                    LIMIT \(chunk)
                )
                DELETE FROM \(unescaped: schema).inbox WHERE ctid IN (SELECT ctid FROM old)
                RETURNING 1
                """, logger: logger)
            let deleted = rows.rows.count
            total += deleted
            if deleted < chunk { break }
        }
        return total
    }

    private func purgeLegacyOutbox() async throws {
        try await client.rows(
            """
            DELETE FROM \(unescaped: schema).outbox
            WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(hours => 24)
            """, logger: logger)
    }
}
