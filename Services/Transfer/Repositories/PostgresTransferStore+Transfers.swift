import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Transfers, and the notifications that tell a source agent how they ended.
extension PostgresTransferStore {
    func insertTransfer(_ t: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).transfers
                (id, interaction_id, from_agent_id, from_agent_name, target_type, target_id, target_queue, note, state, reason,
                 created_at, decided_at)
            VALUES (\(t.id), \(t.interactionID), \(t.fromAgentID), \(t.fromAgentName), \(t.target.type.rawValue), \(t.target.id),
                    \(t.targetQueue), \(t.note), \(t.state.rawValue), \(t.reason), \(t.createdAt), \(t.decidedAt))
            """, logger: logger)
    }

    func lockTransfer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.transfer(from: row) }
        return nil
    }

    func lockPendingTransfer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers
            WHERE interaction_id = \(interaction) AND state = 'pending' FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.transfer(from: row) }
        return nil
    }

    func updateTransfer(_ t: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).transfers SET state = \(t.state.rawValue), reason = \(t.reason), decided_at = \(t.decidedAt)
            WHERE id = \(t.id)
            """, logger: logger)
    }

    func transfer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> TransferRecord? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers WHERE id = \(id)
            """, logger: logger)
        var found: TransferRecord?
        for try await row in rows { found = try Self.transfer(from: row) }
        return found
    }

    func insertNotification(_ n: NotificationRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).notifications
                (id, agent_id, kind, transfer_id, interaction_id, by_agent_id, by_agent_name, text, at)
            VALUES (\(n.id), \(n.agentID), \(n.kind.rawValue), \(n.transferID), \(n.interactionID), \(n.byAgent?.id),
                    \(n.byAgent?.name), \(n.text), \(n.at))
            """, logger: logger)
    }

    func notifications(agent: String, limit: Int, client: PostgresClient, logger: Logger) async throws -> [NotificationRecord] {
        let rows = try await client.rows(
            """
            SELECT id, agent_id, kind, transfer_id, interaction_id, by_agent_id, by_agent_name, text, at
            FROM \(unescaped: schema).notifications WHERE agent_id = \(agent)
            ORDER BY at DESC, id LIMIT \(limit)
            """, logger: logger)
        var found: [NotificationRecord] = []
        for try await (id, agentID, kind, transferID, interactionID, byID, byName, text, at)
            in rows.decode((UUID, String, String, UUID?, UUID?, String?, String?, String, Date).self)
        {
            guard let kindValue = NotificationKind(rawValue: kind) else { continue }
            found.append(
                NotificationRecord(
                    id: id, agentID: agentID, kind: kindValue, transferID: transferID, interactionID: interactionID,
                    byAgent: byID.map { AgentRef(id: $0, name: byName) }, text: text, at: at
                ))
        }
        return found
    }
}
