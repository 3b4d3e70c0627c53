import SwitchboardDatabase

/// The `contacts` schema. Version 1 (inbox/outbox) comes from the shared layer.
///
/// - `contacts`: one row per contact, kept for ever: a merged contact keeps its row
///   (`state = 'merged'`, `merged_into`) so that reads redirect and the merge can be undone;
///   a deleted one becomes a tombstone (personal data erased) so history keeps its id.
/// - `phones`, `emails`: primary keys make a number or an address belong to one contact
///   at most, whatever the number of replicas writing at once.
/// - `merges`: the audit records (both contacts before and after, the interactions moved),
///   read by contact newest first.
/// - `interactions`: the projection of `interaction.*` events and each one's contact.
/// - `consent`, `consent_history`: opt-out state per (customer, organisation number) and
///   every keyword that touched it.
enum ContactsMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "contacts, history, merges and consent",
            statements: [
                """
                CREATE TABLE contacts.contacts (
                    id uuid PRIMARY KEY,
                    state text NOT NULL CHECK (state IN ('active', 'merged', 'deleted')),
                    first_name text,
                    last_name text,
                    display_name text,
                    attributes jsonb NOT NULL DEFAULT '{}',
                    merged_into uuid REFERENCES contacts.contacts (id),
                    version bigint NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    CHECK ((state = 'merged') = (merged_into IS NOT NULL))
                )
                """,
                "CREATE INDEX contacts_active ON contacts.contacts (created_at, id) WHERE state = 'active'",
                "CREATE INDEX contacts_merged_into ON contacts.contacts (merged_into) WHERE merged_into IS NOT NULL",
                """
                CREATE TABLE contacts.phones (
                    number text PRIMARY KEY,
                    contact_id uuid NOT NULL REFERENCES contacts.contacts (id),
                    position integer NOT NULL
                )
                """,
                "CREATE INDEX phones_contact ON contacts.phones (contact_id, position)",
                """
                CREATE TABLE contacts.emails (
                    address text PRIMARY KEY,
                    contact_id uuid NOT NULL REFERENCES contacts.contacts (id),
                    position integer NOT NULL
                )
                """,
                "CREATE INDEX emails_contact ON contacts.emails (contact_id, position)",
                """
                CREATE TABLE contacts.merges (
                    id uuid PRIMARY KEY,
                    target_id uuid NOT NULL REFERENCES contacts.contacts (id),
                    source_id uuid NOT NULL REFERENCES contacts.contacts (id),
                    audit jsonb NOT NULL,
                    merged_by text NOT NULL,
                    at timestamptz NOT NULL,
                    undone_at timestamptz,
                    undone_by text
                )
                """,
                "CREATE INDEX merges_target ON contacts.merges (target_id)",
                "CREATE INDEX merges_source ON contacts.merges (source_id)",
                """
                CREATE TABLE contacts.interactions (
                    id uuid PRIMARY KEY,
                    from_number text,
                    to_number text,
                    mode text,
                    media text,
                    state text NOT NULL CHECK (state IN ('queued', 'active', 'closed')),
                    agent_id text,
                    agent_name text,
                    assigned_at timestamptz,
                    disposition text,
                    created_at timestamptz,
                    closed_at timestamptz,
                    close_reason text,
                    contact_id uuid REFERENCES contacts.contacts (id),
                    link text CHECK (link IN ('identified', 'assigned')),
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX interactions_contact ON contacts.interactions (contact_id, created_at DESC, id DESC) WHERE contact_id IS NOT NULL",
                "CREATE INDEX interactions_open_from ON contacts.interactions (from_number) WHERE state <> 'closed' AND contact_id IS NULL",
                """
                CREATE TABLE contacts.consent (
                    number text NOT NULL,
                    org_number text NOT NULL,
                    state text NOT NULL CHECK (state IN ('opted_in', 'opted_out')),
                    changed_at timestamptz NOT NULL,
                    PRIMARY KEY (number, org_number)
                )
                """,
                """
                CREATE TABLE contacts.consent_history (
                    id bigserial PRIMARY KEY,
                    number text NOT NULL,
                    org_number text NOT NULL,
                    keyword text NOT NULL,
                    action text NOT NULL CHECK (action IN ('opt_out', 'opt_in', 'help')),
                    at timestamptz NOT NULL,
                    message_id text NOT NULL
                )
                """,
                "CREATE INDEX consent_history_number ON contacts.consent_history (number, at, id)",
            ]),
        // Who may see which interaction (``InteractionParticipants``): a manual assignment
        // and the history's details are for its owners, past and present, and supervisors.
        // Filled from the projection's current owners (earlier owners were not kept).
        Migration(
            version: 3, name: "interaction participants",
            statements: [
                InteractionParticipants.createTable(schema: "contacts"),
                """
                INSERT INTO contacts.interaction_agents (interaction_id, agent_id, first_assigned_at)
                SELECT id, agent_id, coalesce(assigned_at, updated_at) FROM contacts.interactions WHERE agent_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
            ]),
        // `GET /v1/merges?contact_id=` reads a contact's merges newest first, from the target
        // side and the source side: each side in that order from its index, a page at a
        // time. They replace the indexes on the id alone, which they serve as well (undo,
        // erase).
        Migration(
            version: 4, name: "merges by contact, newest first",
            statements: [
                "CREATE INDEX merges_target_at ON contacts.merges (target_id, at DESC, id DESC)",
                "CREATE INDEX merges_source_at ON contacts.merges (source_id, at DESC, id DESC)",
                "DROP INDEX contacts.merges_target",
                "DROP INDEX contacts.merges_source",
            ]),
    ]
}
