import Foundation
import Logging
import PostgresNIO

/// The projection of session's interactions, and which agents declined each.
extension PostgresTransferStore {
    /// Inserts a `queued` interaction for `interaction.created`; when the row already exists
    /// (an `interaction.assigned` came first), fills its descriptive fields and keeps its
    /// state. Returns the row.
    func recordCreated(_ projection: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection {
        let p = projection
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, queue, state, from_number, origin, mode, media, queued_at, created_at, updated_at)
            VALUES (\(p.id), \(p.queue), \(p.state.rawValue), \(p.fromNumber), \(p.origin), \(p.mode), \(p.media), \(p.queuedAt),
                    \(p.createdAt), \(p.updatedAt))
            ON CONFLICT (id) DO UPDATE SET queue = CASE WHEN interactions.queue = '' THEN EXCLUDED.queue ELSE interactions.queue END,
                from_number = EXCLUDED.from_number, origin = EXCLUDED.origin, mode = EXCLUDED.mode, media = EXCLUDED.media,
                updated_at = EXCLUDED.updated_at
            RETURNING \(unescaped: Self.interactionColumns)
            """, logger: logger)
        for try await row in rows { return try Self.interaction(from: row) }
        throw CorruptTransferRow(detail: "insert of interaction \(p.idString) returned nothing")
    }

    /// The interaction's projection, locked (``LockInteractionStatement``).
    func lockInteraction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection? {
        for try await interaction in try await connection.execute(LockInteractionStatement(interaction: id), logger: logger) {
            return interaction
        }
        return nil
    }

    func interaction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions WHERE id = \(id)
            """, logger: logger)
        for try await row in rows { return try Self.interaction(from: row) }
        return nil
    }

    func insertInteraction(_ p: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, queue, state, owner_id, owner_name, assigning_to, transfer_id, from_number, origin, mode, media, queued_at,
                 created_at, updated_at, closed_at)
            VALUES (\(p.id), \(p.queue), \(p.state.rawValue), \(p.ownerID), \(p.ownerName), \(p.assigningTo), \(p.transferID),
                    \(p.fromNumber), \(p.origin), \(p.mode), \(p.media), \(p.queuedAt), \(p.createdAt), \(p.updatedAt), \(p.closedAt))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger)
    }

    /// Inbound messages' preview changes, the rows locked, with who follows each interaction
    /// (``InboundPreviewsStatement``), by interaction; a closed or unknown interaction has
    /// none. `messages` in their order: an interaction's last one is its preview. Only under
    /// the routing lock.
    func changeInboundPreviews(
        _ messages: [InboundMessageAppended], on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID: InboundPreviewChange] {
        let statement = InboundPreviewsStatement(interactions: messages.map(\.interactionID), texts: messages.map(\.text))
        var changes: [UUID: InboundPreviewChange] = [:]
        for try await change in try await connection.execute(statement, logger: logger) { changes[change.interaction.id] = change }
        return changes
    }

    /// The interaction's contact (identified, or assigned by an agent).
    func setContact(_ id: UUID, contactID: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET contact_id = \(contactID), contact_name = \(name) WHERE id = \(id)
            """, logger: logger)
    }

    func updateInteraction(_ p: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions
            SET queue = \(p.queue), state = \(p.state.rawValue), owner_id = \(p.ownerID), owner_name = \(p.ownerName),
                assigning_to = \(p.assigningTo), transfer_id = \(p.transferID), queued_at = \(p.queuedAt), updated_at = \(p.updatedAt),
                closed_at = \(p.closedAt)
            WHERE id = \(p.id)
            """, logger: logger)
    }

    /// The `queued` interactions of `queue`, oldest first, locked (`FOR UPDATE SKIP LOCKED`).
    func waiting(queue: String, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [InteractionProjection] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions
            WHERE state = 'queued' AND queue = \(queue)
            ORDER BY queued_at, id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var waiting: [InteractionProjection] = []
        for try await row in rows { waiting.append(try Self.interaction(from: row)) }
        return waiting
    }

    func declined(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT agent_id FROM \(unescaped: schema).declines WHERE interaction_id = \(interactionID)", logger: logger
        )
        var agents = Set<String>()
        for try await agent in rows.decode(String.self) { agents.insert(agent) }
        return agents
    }

    func recordDecline(
        _ interactionID: UUID, agentID: String, reason: String, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).declines (interaction_id, agent_id, reason, at)
            VALUES (\(interactionID), \(agentID), \(reason), \(at))
            ON CONFLICT (interaction_id, agent_id) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at
            """, logger: logger)
    }

    func clearDeclines(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM \(unescaped: schema).declines WHERE interaction_id = \(interactionID)", logger: logger
        )
    }
}
