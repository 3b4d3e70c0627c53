import Foundation
import Logging
import PostgresNIO

/// Agents' capacity, load and idle time, as routing reads and keeps them.
extension PostgresTransferStore {
    /// The Ready agents of `queue` with what they have reserved (load + pending offers +
    /// accepted offers awaiting assignment).
    func candidates(queue: String, on connection: PostgresConnection, logger: Logger) async throws -> [AgentSelection.Candidate] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: candidateColumns) FROM \(unescaped: schema).agents a
            WHERE \(queue) = ANY(a.queues) AND a.sms_presence = 'ready'
            ORDER BY a.id
            """, logger: logger)
        var candidates: [AgentSelection.Candidate] = []
        for try await row in rows { candidates.append(try Self.candidate(from: row)) }
        return candidates
    }

    /// One agent as a candidate (any presence), or nil.
    func candidate(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> AgentSelection.Candidate? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: candidateColumns) FROM \(unescaped: schema).agents a WHERE a.id = \(id)
            """, logger: logger)
        for try await row in rows { return try Self.candidate(from: row) }
        return nil
    }

    /// Recounts `sms_load` of the agents from the projection (owned `active` interactions).
    func refreshLoad(_ agentIDs: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard !agentIDs.isEmpty else { return }
        try await connection.query(
            """
            UPDATE \(unescaped: schema).agents a
            SET sms_load = (SELECT count(*) FROM \(unescaped: schema).interactions i WHERE i.owner_id = a.id AND i.state = 'active')
            WHERE a.id = ANY(\(agentIDs))
            """, logger: logger)
    }

    func markAssigned(_ agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE \(unescaped: schema).agents SET last_assigned_at = \(at) WHERE id = \(agentID)", logger: logger
        )
    }

    func markAssignmentEnded(_ agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE \(unescaped: schema).agents SET last_assignment_ended_at = \(at) WHERE id = \(agentID)", logger: logger
        )
    }

    func queues(ofAgent agentID: String, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let rows = try await connection.query("SELECT queues FROM \(unescaped: schema).agents WHERE id = \(agentID)", logger: logger)
        for try await queues in rows.decode([String].self) { return queues }
        return []
    }
}
