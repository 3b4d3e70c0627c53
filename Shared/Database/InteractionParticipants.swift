public import Foundation
public import Logging
public import PostgresNIO

/// Who may see an interaction, as a service that does not own interactions learns it:
/// every agent `interaction.assigned` ever named for it (its owners, past and present),
/// kept in `<schema>.interaction_agents`. Session is the authority (docs/architecture.md section 1);
/// media, callback, transfer and contacts keep this projection so that an operation
/// naming an interaction answers "does not exist" to an agent who may not see it, as
/// session does, instead of acting on it.
///
/// The projection lags session by the event's trip through the outbox and the broker
/// (milliseconds); an interaction nobody has been assigned yet is visible to supervisors
/// and admins only.
public struct InteractionParticipants: Sendable {
    public let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// The table, for a service's migration (the same shape in every schema).
    public static func createTable(schema: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS \(schema).interaction_agents (
            interaction_id uuid NOT NULL,
            agent_id text NOT NULL,
            first_assigned_at timestamptz NOT NULL,
            PRIMARY KEY (interaction_id, agent_id)
        )
        """
    }

    /// Records that `agentID` was assigned the interaction (idempotent).
    public func add(interactionID: UUID, agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interaction_agents (interaction_id, agent_id, first_assigned_at)
            VALUES (\(interactionID), \(agentID), \(at))
            ON CONFLICT (interaction_id, agent_id) DO NOTHING
            """, logger: logger)
    }

    /// Whether `agentID` owns or owned the interaction.
    public func contains(interactionID: UUID, agentID: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM \(unescaped: schema).interaction_agents
                           WHERE interaction_id = \(interactionID) AND agent_id = \(agentID))
            """, logger: logger)
        for try await found in rows.decode(Bool.self) { return found }
        return false
    }

    /// Which of `interactionIDs` `agentID` owns or owned.
    public func visible(
        _ interactionIDs: [UUID], to agentID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<UUID> {
        guard !interactionIDs.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT interaction_id FROM \(unescaped: schema).interaction_agents
            WHERE agent_id = \(agentID) AND interaction_id = ANY(\(interactionIDs)::uuid[])
            """, logger: logger)
        var found = Set<UUID>()
        for try await id in rows.decode(UUID.self) { found.insert(id) }
        return found
    }
}
