import SwitchboardDatabase

/// The `ingest` schema. Version 1 (inbox/outbox) comes from the shared layer.
enum IngestMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "inbound messages",
            statements: [
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
        Migration(
            version: 3, name: "channels, long-SMS reassembly, delivery receipts",
            statements: [
                // Channels (carrier accounts). `credentials` holds secrets: never returned by the API.
                """
                CREATE TABLE ingest.channels (
                    name text PRIMARY KEY,
                    carrier text NOT NULL,
                    default_region text NOT NULL,
                    public_base_url text,
                    credentials jsonb NOT NULL DEFAULT '{}',
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                // A concatenated SMS being reassembled; its id becomes the message's id. At most one
                // open group per (channel, numbers, ref, total); `due_at` is its durable timer.
                """
                CREATE TABLE ingest.part_groups (
                    id uuid PRIMARY KEY,
                    channel text NOT NULL,
                    from_number text NOT NULL,
                    to_number text NOT NULL,
                    ref integer NOT NULL,
                    total integer NOT NULL,
                    source text NOT NULL,
                    traceparent text,
                    opened_at timestamptz NOT NULL DEFAULT now(),
                    due_at timestamptz NOT NULL,
                    emitted_at timestamptz,
                    incomplete boolean
                )
                """,
                """
                CREATE UNIQUE INDEX part_groups_open ON ingest.part_groups (channel, from_number, to_number, ref, total)
                    WHERE emitted_at IS NULL
                """,
                "CREATE INDEX part_groups_due ON ingest.part_groups (due_at) WHERE emitted_at IS NULL",
                // The parts, kept forever: (channel, carrier id) is their dedup key too.
                """
                CREATE TABLE ingest.parts (
                    group_id uuid NOT NULL REFERENCES ingest.part_groups (id),
                    seq integer NOT NULL,
                    channel text NOT NULL,
                    carrier_message_id text NOT NULL,
                    text text NOT NULL,
                    media jsonb NOT NULL DEFAULT '[]',
                    received_at timestamptz NOT NULL,
                    accepted_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (group_id, seq),
                    UNIQUE (channel, carrier_message_id)
                )
                """,
                // Carrier id of an outbound part -> our message id and part (from the first receipt).
                """
                CREATE TABLE ingest.carrier_ids (
                    channel text NOT NULL,
                    carrier_id text NOT NULL,
                    message_id text NOT NULL,
                    part integer,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (channel, carrier_id)
                )
                """,
                // Receipts applied; one per (channel, carrier id, status), so a carrier's retry emits nothing new.
                """
                CREATE TABLE ingest.receipts (
                    channel text NOT NULL,
                    carrier_id text NOT NULL,
                    status text NOT NULL,
                    message_id text NOT NULL,
                    part integer,
                    error_code text,
                    at timestamptz NOT NULL,
                    source text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (channel, carrier_id, status)
                )
                """,
            ]),
        // Nothing reads messages by conversation (session keeps the transcripts); the index
        // cost an insert per inbound message.
        Migration(
            version: 4, name: "drop the unused conversation index",
            statements: [
                "DROP INDEX IF EXISTS ingest.messages_conversation"
            ]),
        // Webhooks are never open (docs/architecture.md 10.3): a channel without its webhook secret is
        // refused unless the admin allows unchecked calls on purpose. Existing channels
        // start as not allowed, so their webhooks fail closed until a secret is saved.
        Migration(
            version: 5, name: "explicit permission for unauthenticated webhooks",
            statements: [
                "ALTER TABLE ingest.channels ADD COLUMN allow_unauthenticated_webhooks boolean NOT NULL DEFAULT false"
            ]),
        // Outbound delivery (docs/architecture.md 10.1): ingest sends replies itself.
        Migration(
            version: 6, name: "outbound delivery",
            statements: [
                "ALTER TABLE ingest.channels ADD COLUMN outbound jsonb",
                // One row per SMS to send: a part of a reply (part ≥ 1), or its whole text when the
                // carrier concatenates (part 0). `reference` is our id of the SMS (the simulator's
                // and Kannel's carrier id). `sending` rows are leased: a row whose lease ran out
                // (its sender died) is sent again — the one window where a reply can go twice.
                """
                CREATE TABLE ingest.outbound_sms (
                    message_id text NOT NULL,
                    part integer NOT NULL,
                    parts_total integer NOT NULL,
                    channel text NOT NULL,
                    interaction_id text,
                    from_number text NOT NULL,
                    to_number text NOT NULL,
                    text text NOT NULL,
                    encoding text NOT NULL,
                    reference text NOT NULL UNIQUE,
                    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    lease_until timestamptz,
                    carrier_ids text[] NOT NULL DEFAULT '{}',
                    error_code text,
                    error_reason text,
                    traceparent text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    sent_at timestamptz,
                    PRIMARY KEY (message_id, part)
                )
                """,
                "CREATE INDEX outbound_sms_due ON ingest.outbound_sms (next_attempt_at) WHERE state = 'pending'",
                "CREATE INDEX outbound_sms_leased ON ingest.outbound_sms (lease_until) WHERE state = 'sending'",
                // Each channel's next free send slot, shared by every replica (max_per_second).
                "CREATE TABLE ingest.send_slots (channel text PRIMARY KEY, next_slot_at timestamptz NOT NULL)",
                // The `sms.<channel>` bindings of ingest.outbound this service made, to remove them again.
                "CREATE TABLE ingest.outbound_bindings (channel text PRIMARY KEY, bound_at timestamptz NOT NULL DEFAULT now())",
                // The simulator carrier: what it was asked to send, and the receipts it still owes.
                """
                CREATE TABLE ingest.simulator_messages (
                    carrier_id text PRIMARY KEY,
                    channel text NOT NULL,
                    from_number text NOT NULL,
                    to_number text NOT NULL,
                    text text NOT NULL,
                    encoding text NOT NULL,
                    sent_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX simulator_messages_channel ON ingest.simulator_messages (channel, sent_at)",
                """
                CREATE TABLE ingest.simulator_receipts (
                    carrier_id text NOT NULL,
                    status text NOT NULL,
                    channel text NOT NULL,
                    error_code text,
                    due_at timestamptz NOT NULL,
                    PRIMARY KEY (carrier_id, status)
                )
                """,
                "CREATE INDEX simulator_receipts_due ON ingest.simulator_receipts (due_at)",
            ]),
    ]
}
