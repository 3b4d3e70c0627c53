import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// IM consultations (`session.consultations`, docs/architecture.md section 10.3). Every change
/// is made under the interaction's row lock, taken first (as closing and assigning take it),
/// so a consultation never outlives the owner or the open state it was started under. At
/// most one open consultation per interaction and agent: the partial unique index
/// `consultations_one_open` decides, whatever the number of replicas.
extension PostgresInteractionStore {
    /// Who may read the interaction besides its owner and supervisors: every agent that owned
    /// it, and the agents of its open consultations. One statement.
    func readers(
        _ id: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> (
        participants: Set<String>, consultants: Set<String>
    ) {
        let rows = try await connection.query(
            """
            SELECT agent_id, false FROM \(unescaped: schema).participants WHERE interaction_id = \(id)
            UNION ALL
            SELECT agent_id, true FROM \(unescaped: schema).consultations WHERE interaction_id = \(id) AND state = 'open'
            """, logger: logger)
        var participants = Set<String>()
        var consultants = Set<String>()
        for try await (agent, consulted) in rows.decode((String, Bool).self) {
            if consulted { consultants.insert(agent) } else { participants.insert(agent) }
        }
        return (participants, consultants)
    }

    /// Inserts an open consultation; nil when one with that agent is already open on the
    /// interaction (the unique index's conflict, never an error).
    func openConsultation(
        id: UUID, interactionID: UUID, from: PartyView, agentID: String, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> ConsultationRecord? {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).consultations (id, interaction_id, from_agent_id, from_agent_name, agent_id, state, started_at)
            VALUES (\(id), \(interactionID), \(from.id), \(from.name), \(agentID), 'open', \(at))
            ON CONFLICT (interaction_id, agent_id) WHERE state = 'open' DO NOTHING
            RETURNING \(unescaped: Self.consultationColumns)
            """, logger: logger)
        return try await Self.firstConsultation(rows)
    }

    /// The interaction a consultation belongs to (it never changes, so it is read unlocked
    /// to know which interaction to lock first).
    func interactionOfConsultation(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT interaction_id FROM \(unescaped: schema).consultations WHERE id = \(id)", logger: logger
        )
        for try await interactionID in rows.decode(UUID.self) { return interactionID }
        return nil
    }

    /// The consultation locked for update (the caller holds its interaction's lock).
    func lockConsultation(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ConsultationRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.consultationColumns) FROM \(unescaped: schema).consultations WHERE id = \(id) FOR UPDATE",
            logger: logger)
        return try await Self.firstConsultation(rows)
    }

    /// Ends an open consultation, by `endedBy` (nil: the system); nil if it was not open.
    func endConsultation(
        _ id: UUID, by endedBy: PartyView?, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> ConsultationRecord? {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).consultations
            SET state = 'ended', ended_at = \(at), ended_by_id = \(endedBy?.id), ended_by_name = \(endedBy?.name)
            WHERE id = \(id) AND state = 'open'
            RETURNING \(unescaped: Self.consultationColumns)
            """, logger: logger)
        return try await Self.firstConsultation(rows)
    }

    /// Ends every open consultation of the interaction, by the system (it closed or changed
    /// owner), oldest first; the caller holds the interaction's lock.
    func endOpenConsultations(
        of interactionID: UUID, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws
        -> [ConsultationRecord]
    {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).consultations SET state = 'ended', ended_at = \(at)
            WHERE interaction_id = \(interactionID) AND state = 'open'
            RETURNING \(unescaped: Self.consultationColumns)
            """, logger: logger)
        var ended: [ConsultationRecord] = []
        for try await row in rows { ended.append(try Self.consultation(from: row)) }
        return ended.sorted { ($0.startedAt, $0.id.uuidString) < ($1.startedAt, $1.id.uuidString) }
    }

    func consultation(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> ConsultationRecord? {
        let rows = try await client.rows(
            "SELECT \(unescaped: Self.consultationColumns) FROM \(unescaped: schema).consultations WHERE id = \(id)", logger: logger
        )
        var found: ConsultationRecord?
        for try await row in rows { found = try Self.consultation(from: row) }
        return found
    }

    /// The interaction's consultations, newest first (index `consultations_interaction`).
    func consultations(of interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [ConsultationRecord] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.consultationColumns) FROM \(unescaped: schema).consultations
            WHERE interaction_id = \(interactionID) ORDER BY started_at DESC, id DESC
            """, logger: logger)
        var found: [ConsultationRecord] = []
        for try await row in rows { found.append(try Self.consultation(from: row)) }
        return found
    }

    private static let consultationColumns = """
        id, interaction_id, from_agent_id, from_agent_name, agent_id, state, started_at, ended_at, ended_by_id, ended_by_name
        """

    private static func firstConsultation(_ rows: PostgresRowSequence) async throws -> ConsultationRecord? {
        var found: ConsultationRecord?
        for try await row in rows where found == nil { found = try consultation(from: row) }
        return found
    }

    private static func consultation(from row: PostgresRow) throws -> ConsultationRecord {
        let columns = row.makeRandomAccess()
        return ConsultationRecord(
            id: try columns["id"].decode(UUID.self),
            interactionID: try columns["interaction_id"].decode(UUID.self),
            fromAgentID: try columns["from_agent_id"].decode(String.self),
            fromAgentName: try columns["from_agent_name"].decode(String?.self),
            agentID: try columns["agent_id"].decode(String.self),
            state: ConsultationState(rawValue: try columns["state"].decode(String.self)) ?? .ended,
            startedAt: try columns["started_at"].decode(Date.self),
            endedAt: try columns["ended_at"].decode(Date?.self),
            endedByID: try columns["ended_by_id"].decode(String?.self),
            endedByName: try columns["ended_by_name"].decode(String?.self)
        )
    }
}
