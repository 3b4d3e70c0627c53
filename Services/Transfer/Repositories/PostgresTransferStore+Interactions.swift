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

    /// The `queued` interactions of `queue` that at least one of `agents` has not declined,
    /// oldest first, at most `limit`, leaving out `excluding` (the pages read before), each
    /// with who declined it; locked (`FOR UPDATE SKIP LOCKED`).
    ///
    /// A routing pass asks for the agents with spare capacity and as many interactions as
    /// they have room for (``TransferCommands/route(queues:agents:now:traceparent:on:)``),
    /// so it reads and locks what it may offer, not the queue's backlog. It runs under the
    /// routing lock every routing decision of every replica waits for: reading 200 waiting
    /// rows, locked, and the declines of each in a statement of its own, made a pass cost
    /// 0.1–0.5 s on a loaded machine, an expiry of a dozen offers a dozen passes, and the
    /// cluster drill's transfer consumers stalled behind the lock (docs/decisions.md).
    func waiting(
        queue: String, offerableTo agents: [String], excluding: [UUID], limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [(interaction: InteractionProjection, declined: Set<String>)] {
        guard !agents.isEmpty, limit > 0 else { return [] }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.interactionColumns),
                ARRAY(SELECT d.agent_id FROM \(unescaped: schema).declines d WHERE d.interaction_id = i.id) AS declined
            FROM \(unescaped: schema).interactions i
            WHERE i.state = 'queued' AND i.queue = \(queue) AND NOT (i.id = ANY(\(excluding)))
                AND EXISTS (
                    SELECT 1 FROM unnest(\(agents)::text[]) AS spare(agent_id)
                    WHERE NOT EXISTS (
                        SELECT 1 FROM \(unescaped: schema).declines d WHERE d.interaction_id = i.id AND d.agent_id = spare.agent_id))
            ORDER BY i.queued_at, i.id LIMIT \(limit)
            FOR UPDATE OF i SKIP LOCKED
            """, logger: logger)
        var waiting: [(interaction: InteractionProjection, declined: Set<String>)] = []
        for try await row in rows {
            let declined = try row.makeRandomAccess()["declined"].decode([String].self)
            waiting.append((try Self.interaction(from: row), Set(declined)))
        }
        return waiting
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
