import SwitchboardDatabase

/// The `session` schema. Version 1 (inbox/outbox) comes from the shared layer.
enum SessionMigrations {
    static let all: [Migration] = [
        Migration(version: 2, name: "interactions and transcripts", statements: [
            """
            CREATE TABLE session.interactions (
                id uuid PRIMARY KEY,
                state text NOT NULL CHECK (state IN ('queued', 'offered', 'active', 'closed')),
                mode text NOT NULL CHECK (mode IN ('page', 'session')),
                media text NOT NULL CHECK (media IN ('sms', 'mms')),
                from_number text NOT NULL,
                to_number text NOT NULL,
                queue text NOT NULL,
                origin text NOT NULL,
                owner_id text,
                owner_name text,
                contact_id text,
                contact_name text,
                disposition text,
                note text,
                case_data jsonb NOT NULL DEFAULT '{}',
                created_at timestamptz NOT NULL,
                closed_at timestamptz,
                close_reason text,
                last_activity_at timestamptz NOT NULL,
                next_seq integer NOT NULL DEFAULT 1
            )
            """,
            // At most one open session per conversation, whatever the number of replicas.
            """
            CREATE UNIQUE INDEX interactions_one_open_session ON session.interactions (to_number, from_number)
            WHERE state <> 'closed' AND mode = 'session'
            """,
            "CREATE INDEX interactions_from ON session.interactions (from_number, created_at DESC)",
            "CREATE INDEX interactions_to ON session.interactions (to_number, created_at DESC)",
            "CREATE INDEX interactions_created ON session.interactions (created_at DESC, id DESC)",
            """
            CREATE TABLE session.transcript (
                interaction_id uuid NOT NULL REFERENCES session.interactions (id),
                seq integer NOT NULL,
                kind text NOT NULL CHECK (kind IN ('message', 'system')),
                direction text CHECK (direction IN ('inbound', 'outbound')),
                author_type text NOT NULL CHECK (author_type IN ('contact', 'agent', 'system')),
                author_id text,
                author_name text,
                text text NOT NULL,
                media jsonb NOT NULL DEFAULT '[]',
                parts jsonb NOT NULL DEFAULT '[]',
                message_id text,
                ingest_sequence bigint,
                at timestamptz NOT NULL,
                PRIMARY KEY (interaction_id, seq)
            )
            """,
            "CREATE UNIQUE INDEX transcript_message ON session.transcript (message_id) WHERE message_id IS NOT NULL",
        ]),
    ]
}
