import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// The projection of session's IM consultations: who may follow an interaction on its desk.
extension PostgresTransferStore {
    /// Records a consultation's agents and whether it is open. An `ended` that overtook its
    /// `started` (they share the interaction's order, so only after a replay) stays ended.
    func recordConsultation(_ change: ConsultationChange, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).consultations (id, interaction_id, from_agent_id, agent_id, open, updated_at)
            VALUES (\(change.id), \(change.interactionID), \(change.fromAgentID), \(change.agentID), \(change.isOpen), now())
            ON CONFLICT (id) DO UPDATE SET open = consultations.open AND excluded.open, updated_at = now()
            """, logger: logger)
    }
}
