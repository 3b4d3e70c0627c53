import SwitchboardDatabase

/// The `media` schema. Version 1 (inbox/outbox) comes from the shared layer.
///
/// - `blobs`: one row per distinct content (its SHA-256 names the file in the store), with
///   what was learnt from it once: sniffed type, size, image dimensions, thumbnail (itself
///   a blob file, by its own SHA-256). Identical media arriving twice reuses all of it.
/// - `items`: one media item of one inbound message (`message_id`, `idx`), the id the API
///   and `media.stored` use, and its interaction once known.
/// - `failures`: items that could not be fetched or were refused, with the reason.
/// - `message_interactions`: projection of `interaction.message.appended` (which message
///   went to which interaction), so items learn their interaction.
/// - `interaction_agents`: projection of `interaction.assigned`: every agent ever assigned
///   to an interaction, who may see its media.
enum MediaMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "media",
            statements: [
                """
                CREATE TABLE media.blobs (
                    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
                    content_type text NOT NULL,
                    bytes bigint NOT NULL CHECK (bytes >= 0),
                    width integer,
                    height integer,
                    thumbnail_sha256 text CHECK (thumbnail_sha256 ~ '^[0-9a-f]{64}$'),
                    thumbnail_content_type text,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE media.items (
                    id uuid PRIMARY KEY,
                    message_id text NOT NULL,
                    idx integer NOT NULL,
                    interaction_id uuid,
                    sha256 text NOT NULL REFERENCES media.blobs (sha256),
                    filename text,
                    channel text,
                    created_at timestamptz NOT NULL,
                    UNIQUE (message_id, idx)
                )
                """,
                "CREATE INDEX items_interaction ON media.items (interaction_id, created_at, id) WHERE interaction_id IS NOT NULL",
                """
                CREATE TABLE media.failures (
                    message_id text NOT NULL,
                    idx integer NOT NULL,
                    reason text NOT NULL,
                    failed_at timestamptz NOT NULL,
                    PRIMARY KEY (message_id, idx)
                )
                """,
                """
                CREATE TABLE media.message_interactions (
                    message_id text PRIMARY KEY,
                    interaction_id uuid NOT NULL
                )
                """,
                """
                CREATE TABLE media.interaction_agents (
                    interaction_id uuid NOT NULL,
                    agent_id text NOT NULL,
                    first_assigned_at timestamptz NOT NULL,
                    PRIMARY KEY (interaction_id, agent_id)
                )
                """,
            ])
    ]
}
