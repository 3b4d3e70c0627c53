import SwitchboardDatabase

/// The `callback` schema. Version 1 (inbox/outbox) comes from the shared layer.
///
/// One table holds the callbacks and, through `due_at` + `state`, their durable timers:
/// the scheduler finds the next due ones through the partial index `callbacks_due`, which
/// only holds `scheduled` rows, so it stays small however many completed callbacks pile up.
enum CallbackMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "callbacks",
            statements: [
                """
                CREATE TABLE callback.callbacks (
                    id uuid PRIMARY KEY,
                    phone text NOT NULL,
                    contact_id text,
                    interaction_id uuid,
                    due_at timestamptz NOT NULL,
                    time_zone text,
                    target_type text NOT NULL CHECK (target_type IN ('agent', 'queue')),
                    target_id text NOT NULL,
                    channel text NOT NULL CHECK (channel IN ('voice', 'sms')),
                    notes text,
                    state text NOT NULL CHECK (state IN ('scheduled', 'due', 'completed', 'cancelled')),
                    scheduled_by text NOT NULL,
                    scheduled_by_name text,
                    outcome text,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    fired_at timestamptz,
                    completed_at timestamptz
                )
                """,
                // The durable timers: what is due next, exact to the second.
                "CREATE INDEX callbacks_due ON callback.callbacks (due_at) WHERE state = 'scheduled'",
                // Lists are ordered by (due_at, id) and filtered by target, state or scheduler.
                "CREATE INDEX callbacks_list ON callback.callbacks (due_at, id)",
                "CREATE INDEX callbacks_target ON callback.callbacks (target_type, target_id, due_at, id)",
                "CREATE INDEX callbacks_scheduled_by ON callback.callbacks (scheduled_by, due_at, id)",
                // contact.merged re-points callbacks by contact.
                "CREATE INDEX callbacks_contact ON callback.callbacks (contact_id) WHERE contact_id IS NOT NULL",
                "CREATE INDEX callbacks_interaction ON callback.callbacks (interaction_id) WHERE interaction_id IS NOT NULL",
            ]),
        // Which callbacks a contact merge re-pointed, so that its undo (contact.unmerged)
        // gives them back to the source contact.
        Migration(
            version: 3, name: "merge re-points",
            statements: [
                """
                CREATE TABLE callback.merge_repoints (
                    merge_id text NOT NULL,
                    callback_id uuid NOT NULL REFERENCES callback.callbacks (id) ON DELETE CASCADE,
                    source_contact_id text NOT NULL,
                    target_contact_id text NOT NULL,
                    PRIMARY KEY (merge_id, callback_id)
                )
                """
            ]),
        // Who may link a callback to an interaction (``InteractionParticipants``), from
        // `interaction.assigned`. Interactions assigned before this migration are known to
        // supervisors only (callback did not see those events).
        Migration(
            version: 4, name: "interaction participants",
            statements: [
                InteractionParticipants.createTable(schema: "callback")
            ]),
        // Who accepted the offer of a due callback (transfer's `offer.accepted`): that
        // agent may complete it, like its scheduler and its target (a queue callback's
        // agent is neither). Cleared when it is rescheduled or given a new target.
        Migration(
            version: 5, name: "accepted by",
            statements: [
                "ALTER TABLE callback.callbacks ADD COLUMN accepted_by text"
            ]),
    ]
}
