import SwitchboardDatabase

/// The `ingest` schema. Version 1 (inbox/outbox) comes from the shared layer.
enum IngestMigrations {
    static let all: [Migration] = [
        Migration(version: 2, name: "inbound messages", statements: [
            """
            CREATE TABLE ingest.messages (
                id uuid PRIMARY KEY,
                sequence bigserial NOT NULL UNIQUE,
                channel text NOT NULL,
                carrier_message_id text NOT NULL,
                from_number text NOT NULL,
                to_number text NOT NULL,
                text text NOT NULL,
                media jsonb NOT NULL DEFAULT '[]',
                received_at timestamptz NOT NULL,
                accepted_at timestamptz NOT NULL DEFAULT now(),
                source text NOT NULL,
                UNIQUE (channel, carrier_message_id)
            )
            """,
            "CREATE INDEX messages_conversation ON ingest.messages (to_number, from_number, sequence)",
        ]),
    ]
}
