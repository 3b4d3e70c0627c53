import SwitchboardDatabase

/// The `session` schema. Version 1 (inbox/outbox) comes from the shared layer.
enum SessionMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "interactions and transcripts",
            statements: [
                """
                CREATE TABLE session.interactions (
                    id uuid PRIMARY KEY,
                    state text NOT NULL CHECK (state IN ('queued', 'offered', 'active', 'closed')),
                    mode text NOT NULL CHECK (mode IN ('page', 'session')),
                    media text NOT NULL CHECK (media IN ('sms', 'mms')),
                    channel text NOT NULL,
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
                    disposition_required boolean NOT NULL DEFAULT false,
                    inactivity_timeout_seconds integer NOT NULL,
                    timeout_at timestamptz,
                    created_at timestamptz NOT NULL,
                    closed_at timestamptz,
                    close_reason text CHECK (close_reason IN ('replied', 'done', 'timeout')),
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
                "CREATE INDEX interactions_owner ON session.interactions (owner_id, created_at DESC) WHERE owner_id IS NOT NULL",
                "CREATE INDEX interactions_contact ON session.interactions (contact_id, created_at DESC) WHERE contact_id IS NOT NULL",
                // The inactivity timers: due sessions are found by this index, exact to the second.
                "CREATE INDEX interactions_timeout ON session.interactions (timeout_at) WHERE state <> 'closed' AND timeout_at IS NOT NULL",
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
                    entities jsonb NOT NULL DEFAULT '{"urls": [], "phones": [], "emails": []}',
                    message_id text,
                    ingest_sequence bigint,
                    at timestamptz NOT NULL,
                    PRIMARY KEY (interaction_id, seq)
                )
                """,
                "CREATE UNIQUE INDEX transcript_message ON session.transcript (message_id) WHERE message_id IS NOT NULL",
                // Who may see an interaction: every agent that owned it.
                """
                CREATE TABLE session.participants (
                    interaction_id uuid NOT NULL REFERENCES session.interactions (id),
                    agent_id text NOT NULL,
                    since timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (interaction_id, agent_id)
                )
                """,
                "CREATE INDEX participants_agent ON session.participants (agent_id)",
                """
                CREATE TABLE session.number_settings (
                    number text PRIMARY KEY,
                    mode text NOT NULL CHECK (mode IN ('page', 'session')),
                    queue text NOT NULL,
                    inactivity_timeout_seconds integer NOT NULL CHECK (inactivity_timeout_seconds BETWEEN 10 AND 604800),
                    disposition_required boolean NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                // Projection of consent.changed: replies to an opted-out pair are refused.
                """
                CREATE TABLE session.consent (
                    org_number text NOT NULL,
                    customer_number text NOT NULL,
                    opted_out boolean NOT NULL,
                    changed_at timestamptz NOT NULL,
                    PRIMARY KEY (org_number, customer_number)
                )
                """,
                """
                CREATE TABLE session.standard_responses (
                    id uuid PRIMARY KEY,
                    name text NOT NULL,
                    shortcut text UNIQUE,
                    text text NOT NULL,
                    usage_count integer NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
            ]),
        // media.stored can overtake its message.received (different queues): the media id
        // waits here until the message's transcript entry exists, instead of being dropped.
        Migration(
            version: 3, name: "media waiting for their message",
            statements: [
                """
                CREATE TABLE session.pending_media (
                    message_id text NOT NULL,
                    media_id text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (message_id, media_id)
                )
                """
            ]),
        // media.failed can overtake its message.received too: the failure waits here and
        // becomes the transcript's system entry when the message arrives.
        Migration(
            version: 4, name: "media failures waiting for their message",
            statements: [
                """
                CREATE TABLE session.pending_media_failures (
                    message_id text NOT NULL,
                    idx integer NOT NULL,
                    reason text NOT NULL,
                    failed_at timestamptz NOT NULL,
                    PRIMARY KEY (message_id, idx)
                )
                """
            ]),
        // Every inbound message updates its interaction's row (next_seq, last_activity_at):
        // with room left in each page and no indexed column changed, that is a HOT update
        // (no new index entries). `timeout_at` is now only moved by the inactivity timer.
        Migration(
            version: 5, name: "room for HOT updates of interactions",
            statements: [
                "ALTER TABLE session.interactions SET (fillfactor = 80)"
            ]),
        // Projections of transfer's offer.* and transfer.* events (docs/architecture.md section
        // 10.3): an interaction is `offered` while an offer for it is pending, and shows the
        // transfer in progress. No foreign keys: an event may name an interaction this schema
        // does not hold (yet); it is kept all the same. An offer or transfer only moves from
        // `pending` to a final state, whatever order its events arrive in.
        //
        // The contact history of an interaction counts the interactions of the same contact
        // (or, unknown, the same two numbers) open now or closed in the past 24 hours: each
        // index finds exactly those (`closed_at` is null while open), and neither column
        // changes when a message is appended, so appends stay HOT updates (version 5).
        Migration(
            version: 6, name: "offers, transfers and contact history",
            statements: [
                """
                CREATE TABLE session.offers (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL,
                    agent_id text NOT NULL,
                    kind text NOT NULL,
                    state text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'expired')),
                    transfer_id uuid,
                    expires_at timestamptz NOT NULL,
                    created_at timestamptz NOT NULL,
                    decided_at timestamptz
                )
                """,
                "CREATE INDEX offers_interaction ON session.offers (interaction_id)",
                "CREATE INDEX offers_transfer ON session.offers (transfer_id) WHERE transfer_id IS NOT NULL",
                """
                CREATE TABLE session.transfers (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL,
                    from_agent_id text NOT NULL,
                    from_agent_name text,
                    target_type text NOT NULL,
                    target_id text NOT NULL,
                    target_name text,
                    state text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'expired', 'completed')),
                    expires_at timestamptz,
                    created_at timestamptz NOT NULL,
                    decided_at timestamptz
                )
                """,
                "CREATE INDEX transfers_pending ON session.transfers (interaction_id) WHERE state = 'pending'",
                """
                CREATE INDEX interactions_contact_recent ON session.interactions
                    (contact_id, (coalesce(closed_at, 'infinity'::timestamptz))) WHERE contact_id IS NOT NULL
                """,
                """
                CREATE INDEX interactions_pair_recent ON session.interactions
                    (from_number, to_number, (coalesce(closed_at, 'infinity'::timestamptz)))
                """,
            ]),
        // A supervisor's view of a queue (`GET /v1/interactions?queue=sales&state=queued`)
        // reads the queue's interactions newest first without scanning the table.
        Migration(
            version: 7, name: "interactions by queue",
            statements: ["CREATE INDEX interactions_queue ON session.interactions (queue, created_at DESC, id DESC)"]),
        // IM consultations (docs/architecture.md section 10.3). At most one open consultation
        // per interaction and agent, whatever the number of replicas: the partial unique index
        // decides (an invitation meeting it is 409 `consultation_open`). An open consultation's
        // agent reads the interaction (`consultations_open_agent` serves the list's visibility
        // test); an interaction's consultations are listed newest first.
        //
        // Internal messages are transcript entries of kind `internal`. The constraint that
        // replaces the old one is only looser, so every existing row meets it: `NOT VALID`
        // spares a scan of the whole transcript under the exclusive lock (new rows are checked).
        Migration(
            version: 8, name: "consultations and internal entries",
            statements: [
                """
                CREATE TABLE session.consultations (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL REFERENCES session.interactions (id),
                    from_agent_id text NOT NULL,
                    from_agent_name text,
                    agent_id text NOT NULL,
                    state text NOT NULL CHECK (state IN ('open', 'ended')),
                    started_at timestamptz NOT NULL,
                    ended_at timestamptz,
                    ended_by_id text,
                    ended_by_name text,
                    CHECK ((state = 'open') = (ended_at IS NULL))
                )
                """,
                "CREATE UNIQUE INDEX consultations_one_open ON session.consultations (interaction_id, agent_id) WHERE state = 'open'",
                "CREATE INDEX consultations_interaction ON session.consultations (interaction_id, started_at DESC, id DESC)",
                "CREATE INDEX consultations_open_agent ON session.consultations (agent_id) WHERE state = 'open'",
                "ALTER TABLE session.transcript DROP CONSTRAINT transcript_kind_check",
                """
                ALTER TABLE session.transcript ADD CONSTRAINT transcript_kind_check
                    CHECK (kind IN ('message', 'system', 'internal')) NOT VALID
                """,
            ]),
    ]
}
