import Foundation
import Logging
import PostgresNIO

/// What an agent-initiated interaction (`POST /v1/interactions`) reads and writes.
extension PostgresInteractionStore {
    /// The most recent open interaction between the two numbers, in either mode, and its
    /// owner; nil when there is none.
    func openInteraction(
        organisation: String, customer: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (id: UUID, ownerID: String?)? {
        let rows = try await connection.query(
            """
            SELECT id, owner_id FROM \(unescaped: schema).interactions
            WHERE from_number = \(customer) AND to_number = \(organisation) AND state <> 'closed'
            ORDER BY created_at DESC LIMIT 1
            """, logger: logger)
        for try await (id, ownerID) in rows.decode((UUID, String?).self) { return (id, ownerID) }
        return nil
    }

    /// The channels of the most recent interaction between the two numbers and of the
    /// organisation number's most recent interaction with anyone (``OutboundChannelChoice``).
    func recentChannels(
        organisation: String, customer: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (conversation: String?, organisationNumber: String?) {
        let rows = try await connection.query(
            """
            SELECT
                (SELECT channel FROM \(unescaped: schema).interactions
                 WHERE from_number = \(customer) AND to_number = \(organisation) ORDER BY created_at DESC LIMIT 1),
                (SELECT channel FROM \(unescaped: schema).interactions
                 WHERE to_number = \(organisation) ORDER BY created_at DESC LIMIT 1)
            """, logger: logger)
        for try await (conversation, organisationNumber) in rows.decode((String?, String?).self) {
            return (conversation, organisationNumber)
        }
        return (nil, nil)
    }

    /// Creates an interaction its agent opened: owned by them from the start, in the state an
    /// accepted interaction has (`active`), the agent recorded as a participant. False when
    /// an open Session-mode interaction between the two numbers appeared since the caller
    /// looked (a customer's message placed meanwhile; the `interactions_one_open_session`
    /// index decides, after waiting for the other transaction): nothing is written then.
    func createOwned(
        _ interaction: NewInteraction, ownerID: String, ownerName: String?, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let settings = interaction.settings
        let timeoutAt: Date? =
            settings.mode == .session
            ? interaction.createdAt.addingTimeInterval(TimeInterval(settings.inactivityTimeoutSeconds)) : nil
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, owner_id, owner_name, disposition_required,
                 inactivity_timeout_seconds, timeout_at, created_at, last_activity_at)
            VALUES (\(interaction.id), \(InteractionState.active.rawValue), \(settings.mode.rawValue), \(interaction.media),
                    \(interaction.channel), \(interaction.from), \(interaction.to), \(settings.queue), \(interaction.origin), \(ownerID),
                    \(ownerName), \(settings.dispositionRequired), \(settings.inactivityTimeoutSeconds), \(timeoutAt),
                    \(interaction.createdAt), \(interaction.createdAt))
            ON CONFLICT (to_number, from_number) WHERE state <> 'closed' AND mode = 'session' DO NOTHING
            RETURNING id
            """, logger: logger)
        var created = false
        for try await _ in rows.decode(UUID.self) { created = true }
        guard created else { return false }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).participants (interaction_id, agent_id) VALUES (\(interaction.id), \(ownerID))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return true
    }
}
