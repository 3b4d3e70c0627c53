/// One schema migration: statements run in order, in one transaction, once.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// The shared inbox and outbox migrations every service schema has, before the service's
    /// own. They take version 1 and versions from 1001 on; a service's own migrations are
    /// numbered 2...1000, so the two never collide.
    public static func messagingMigrations(schema: String) -> [Migration] {
        [messaging(schema: schema), outboxHoldsUnsentOnly(schema: schema), inboxPurgeAndOutboxParking(schema: schema)]
    }

    /// Version 1002 (issue #19): a BRIN index so ``MessagingJanitor`` finds old inbox rows
    /// without a scan (rows arrive in time order: the index is tiny and nearly free to
    /// keep); the outbox's per-row retry time and the table where the relay parks a row the
    /// broker keeps refusing (``OutboxRelay``), with a partial index that holds only rows
    /// waiting for a retry.
    static func inboxPurgeAndOutboxParking(schema: String) -> Migration {
        Migration(
            version: 1002, name: "inbox purge, outbox retry and parking",
            statements: [
                "CREATE INDEX IF NOT EXISTS inbox_received_at ON \(schema).inbox USING brin (received_at)",
                "ALTER TABLE \(schema).outbox ADD COLUMN IF NOT EXISTS retry_at timestamptz",
                "CREATE INDEX IF NOT EXISTS outbox_retry_at ON \(schema).outbox (retry_at) WHERE retry_at IS NOT NULL",
                """
                CREATE TABLE IF NOT EXISTS \(schema).outbox_parked (
                    id bigint PRIMARY KEY,
                    message_id text NOT NULL,
                    exchange text NOT NULL,
                    routing_key text NOT NULL,
                    message_type text NOT NULL,
                    content_type text NOT NULL,
                    correlation_id text,
                    traceparent text,
                    mandatory boolean NOT NULL,
                    body bytea NOT NULL,
                    created_at timestamptz NOT NULL,
                    attempts integer NOT NULL,
                    last_error text,
                    parked_at timestamptz NOT NULL DEFAULT now()
                )
                """,
            ])
    }

    /// Version 1001: the relay deletes a row once the broker confirmed it (``OutboxRelay``),
    /// instead of setting `sent_at` — an update that, with `sent_at` in the unsent index's
    /// predicate, wrote a new row version and three index entries per message. Rows an
    /// earlier version marked sent go; the column stays for a replica of that version still
    /// running during an upgrade (``MessagingJanitor`` removes what it marks).
    static func outboxHoldsUnsentOnly(schema: String) -> Migration {
        Migration(
            version: 1001, name: "outbox holds unsent messages only",
            statements: [
                "DELETE FROM \(schema).outbox WHERE sent_at IS NOT NULL",
                "DROP INDEX IF EXISTS \(schema).outbox_unsent",
            ])
    }

    /// The inbox and outbox every service schema has (docs/architecture.md section 5). Version 1.
    static func messaging(schema: String) -> Migration {
        Migration(
            version: 1, name: "inbox and outbox",
            statements: [
                """
                CREATE TABLE \(schema).inbox (
                    message_id text NOT NULL,
                    consumer text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (consumer, message_id)
                )
                """,
                """
                CREATE TABLE \(schema).outbox (
                    id bigserial PRIMARY KEY,
                    message_id text NOT NULL UNIQUE,
                    exchange text NOT NULL,
                    routing_key text NOT NULL,
                    message_type text NOT NULL,
                    content_type text NOT NULL,
                    correlation_id text,
                    traceparent text,
                    mandatory boolean NOT NULL DEFAULT true,
                    body bytea NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    attempts integer NOT NULL DEFAULT 0,
                    last_error text,
                    sent_at timestamptz
                )
                """,
                "CREATE INDEX outbox_unsent ON \(schema).outbox (id) WHERE sent_at IS NULL",
            ])
    }
}
