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

    /// The inbox and outbox every service schema has (DESIGN.md section 5). Version 1.
    public static func messaging(schema: String) -> Migration {
        Migration(version: 1, name: "inbox and outbox", statements: [
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
