import SwitchboardDatabase

/// The `transfer` schema. Version 1 (inbox/outbox) comes from the shared layer.
///
/// - `agents`, `queues`, `routing_points`: the directory. Presence, capacity, load and the
///   idle-time marks are kept per agent for the one channel there is (`sms`, which covers
///   MMS: one desk); a later channel adds columns.
/// - `interactions`: the projection of session's interactions built from
///   `interaction.created`, `interaction.assigned` and `interaction.closed`.
/// - `offers` (with the durable expiry timers: `expires_at` of `pending` rows, partial index
///   `offers_due`), `declines`, `transfers`, `notifications`.
///
/// Partial unique indexes make two invariants impossible to break even by a bug: one
/// pending offer per interaction, one pending transfer per interaction.
enum TransferMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "directory, projection, offers, transfers",
            statements: [
                """
                CREATE TABLE transfer.agents (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    queues text[] NOT NULL DEFAULT '{}',
                    sms_capacity integer NOT NULL DEFAULT 5 CHECK (sms_capacity >= 0),
                    sms_presence text NOT NULL DEFAULT 'not_ready' CHECK (sms_presence IN ('ready', 'not_ready')),
                    sms_load integer NOT NULL DEFAULT 0,
                    ready_since timestamptz,
                    last_assigned_at timestamptz,
                    last_assignment_ended_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX agents_queues ON transfer.agents USING gin (queues)",
                """
                CREATE TABLE transfer.queues (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE transfer.routing_points (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    queue text NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE transfer.interactions (
                    id uuid PRIMARY KEY,
                    queue text NOT NULL,
                    state text NOT NULL CHECK (state IN ('queued', 'offered', 'assigning', 'active', 'closed')),
                    owner_id text,
                    owner_name text,
                    assigning_to text,
                    transfer_id uuid,
                    from_number text,
                    origin text,
                    mode text,
                    media text,
                    preview_text text,
                    case_data jsonb NOT NULL DEFAULT '{}',
                    queued_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    closed_at timestamptz
                )
                """,
                // What waits in a queue, oldest first.
                "CREATE INDEX interactions_waiting ON transfer.interactions (queue, queued_at, id) WHERE state = 'queued'",
                "CREATE INDEX interactions_owner ON transfer.interactions (owner_id) WHERE state = 'active'",
                "CREATE INDEX interactions_assigning ON transfer.interactions (assigning_to) WHERE assigning_to IS NOT NULL",
                """
                CREATE TABLE transfer.offers (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL,
                    agent_id text NOT NULL,
                    kind text NOT NULL CHECK (kind IN ('route', 'transfer')),
                    state text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'expired')),
                    expires_at timestamptz NOT NULL,
                    from_agent_id text,
                    from_agent_name text,
                    transfer_id uuid,
                    created_at timestamptz NOT NULL,
                    decided_at timestamptz
                )
                """,
                "CREATE UNIQUE INDEX offers_one_pending ON transfer.offers (interaction_id) WHERE state = 'pending'",
                "CREATE INDEX offers_due ON transfer.offers (expires_at) WHERE state = 'pending'",
                "CREATE INDEX offers_agent ON transfer.offers (agent_id, created_at) WHERE state = 'pending'",
                """
                CREATE TABLE transfer.declines (
                    interaction_id uuid NOT NULL,
                    agent_id text NOT NULL,
                    reason text NOT NULL CHECK (reason IN ('rejected', 'expired', 'released')),
                    at timestamptz NOT NULL,
                    PRIMARY KEY (interaction_id, agent_id)
                )
                """,
                """
                CREATE TABLE transfer.transfers (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL,
                    from_agent_id text NOT NULL,
                    from_agent_name text,
                    target_type text NOT NULL CHECK (target_type IN ('agent', 'queue', 'routing_point')),
                    target_id text NOT NULL,
                    target_queue text,
                    note text,
                    state text NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'expired', 'completed')),
                    reason text,
                    created_at timestamptz NOT NULL,
                    decided_at timestamptz
                )
                """,
                "CREATE UNIQUE INDEX transfers_one_pending ON transfer.transfers (interaction_id) WHERE state = 'pending'",
                "CREATE INDEX transfers_interaction ON transfer.transfers (interaction_id, created_at)",
                """
                CREATE TABLE transfer.notifications (
                    id uuid PRIMARY KEY,
                    agent_id text NOT NULL,
                    kind text NOT NULL,
                    transfer_id uuid,
                    interaction_id uuid,
                    by_agent_id text,
                    by_agent_name text,
                    text text NOT NULL,
                    at timestamptz NOT NULL,
                    read_at timestamptz
                )
                """,
                "CREATE INDEX notifications_agent ON transfer.notifications (agent_id, at DESC, id)",
            ]),
        // Who may see which interaction (``InteractionParticipants``): an agent who neither
        // owns nor owned one gets 404 for it, as from session. Filled from what transfer
        // already knows: current owners and every accepted offer.
        Migration(
            version: 3, name: "interaction participants",
            statements: [
                InteractionParticipants.createTable(schema: "transfer"),
                """
                INSERT INTO transfer.interaction_agents (interaction_id, agent_id, first_assigned_at)
                SELECT interaction_id, agent_id, min(coalesce(decided_at, created_at)) FROM transfer.offers
                WHERE state = 'accepted' GROUP BY interaction_id, agent_id
                ON CONFLICT DO NOTHING
                """,
                """
                INSERT INTO transfer.interaction_agents (interaction_id, agent_id, first_assigned_at)
                SELECT id, owner_id, updated_at FROM transfer.interactions WHERE owner_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
            ]),
        // The desktops' live stream (docs/architecture.md section 10.2): what each agent's
        // desktop is shown, in the order it happened, written in the transaction of the
        // change, so a desktop that reconnects with `Last-Event-ID` is replayed exactly what
        // it missed, by any replica. `desk_cursors.last_seq` numbers one agent's events:
        // its row lock, held to commit, makes commit order and number order the same.
        Migration(
            version: 4, name: "desk feed and stream tickets",
            statements: [
                """
                CREATE TABLE transfer.desk_cursors (
                    agent_id text PRIMARY KEY,
                    last_seq bigint NOT NULL,
                    purged_through bigint NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE transfer.desk_events (
                    agent_id text NOT NULL,
                    seq bigint NOT NULL,
                    kind text NOT NULL,
                    data jsonb NOT NULL,
                    at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (agent_id, seq)
                )
                """,
                "CREATE INDEX desk_events_at ON transfer.desk_events (at)",
                """
                CREATE TABLE transfer.stream_tickets (
                    ticket_hash text PRIMARY KEY,
                    agent_id text NOT NULL,
                    agent_name text,
                    roles text[] NOT NULL,
                    perms text[] NOT NULL,
                    token_expires_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX stream_tickets_expiry ON transfer.stream_tickets (expires_at)",
                // Supervisors' queue counts: offered interactions per queue (queued ones have their index).
                "CREATE INDEX interactions_offered ON transfer.interactions (queue) WHERE state = 'offered'",
            ]),
        // Due SMS callbacks reach a person (docs/architecture.md section 10.3): an offer of
        // kind `callback` is about a callback, not an interaction, and carries a snapshot of
        // it; `transfer.callbacks` holds the due callbacks being offered until the callback
        // service says they are done.
        Migration(
            version: 5, name: "callback offers",
            statements: [
                "ALTER TABLE transfer.offers ALTER COLUMN interaction_id DROP NOT NULL",
                "ALTER TABLE transfer.offers ADD COLUMN callback_id uuid",
                "ALTER TABLE transfer.offers ADD COLUMN callback jsonb",
                "ALTER TABLE transfer.offers DROP CONSTRAINT offers_kind_check",
                "ALTER TABLE transfer.offers ADD CONSTRAINT offers_kind_check CHECK (kind IN ('route', 'transfer', 'callback'))",
                "ALTER TABLE transfer.offers DROP CONSTRAINT offers_state_check",
                """
                ALTER TABLE transfer.offers ADD CONSTRAINT offers_state_check
                    CHECK (state IN ('pending', 'accepted', 'rejected', 'expired', 'withdrawn'))
                """,
                // An offer is about an interaction, or (a callback offer) about a callback.
                """
                ALTER TABLE transfer.offers ADD CONSTRAINT offers_subject CHECK (
                    CASE WHEN kind = 'callback' THEN callback_id IS NOT NULL AND callback IS NOT NULL
                    ELSE interaction_id IS NOT NULL AND callback_id IS NULL END)
                """,
                "CREATE UNIQUE INDEX offers_one_pending_callback ON transfer.offers (callback_id) WHERE state = 'pending'",
                """
                CREATE TABLE transfer.callbacks (
                    id uuid PRIMARY KEY,
                    summary jsonb NOT NULL,
                    target_type text NOT NULL CHECK (target_type IN ('agent', 'queue')),
                    target_id text NOT NULL,
                    state text NOT NULL CHECK (state IN ('waiting', 'offered', 'accepted')),
                    declined text[] NOT NULL DEFAULT '{}',
                    accepted_by text,
                    fired_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX callbacks_waiting ON transfer.callbacks (fired_at, id) WHERE state = 'waiting'",
            ]),
        // IM consultations (section 10.3), from session's `interaction.consultation.*`: the
        // consulted agent's desktop follows the interaction while the consultation is open.
        Migration(
            version: 6, name: "consultations",
            statements: [
                """
                CREATE TABLE transfer.consultations (
                    id uuid PRIMARY KEY,
                    interaction_id uuid NOT NULL,
                    from_agent_id text NOT NULL,
                    agent_id text NOT NULL,
                    open boolean NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX consultations_open ON transfer.consultations (interaction_id) WHERE open",
            ]),
        // Offers show who is writing (section 10.3), from `contact.identified` / `.assigned`.
        Migration(
            version: 7, name: "interaction contact",
            statements: [
                "ALTER TABLE transfer.interactions ADD COLUMN contact_id text",
                "ALTER TABLE transfer.interactions ADD COLUMN contact_name text",
            ]),
    ]
}
