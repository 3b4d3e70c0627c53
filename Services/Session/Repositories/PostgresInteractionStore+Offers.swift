import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Session's projections of transfer's offers and transfers (docs/architecture.md section
/// 10.3). Events are at least once and, across replicas, in any order: a row is inserted by
/// whichever event comes first, and only ever moves from `pending` to a final state, so a
/// late `offer.created` or `transfer.requested` changes nothing that was decided.
extension PostgresInteractionStore {
    func recordOffer(_ offer: ProjectedOffer, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).offers
                (id, interaction_id, agent_id, kind, state, transfer_id, expires_at, created_at, decided_at)
            VALUES (\(offer.id), \(offer.interactionID), \(offer.agentID), \(offer.kind), \(offer.state), \(offer.transferID),
                    \(offer.expiresAt), \(offer.createdAt), \(offer.decidedAt))
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, decided_at = excluded.decided_at
            WHERE offers.state = 'pending' AND excluded.state <> 'pending'
            """, logger: logger)
    }

    /// Whether an offer of the interaction is pending, or accepted (its assignment, which
    /// makes the interaction `active`, may not have been applied yet).
    func hasLiveOffer(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM \(unescaped: schema).offers WHERE interaction_id = \(interactionID) AND state IN ('pending', 'accepted'))
            """, logger: logger)
        for try await live in rows.decode(Bool.self) { return live }
        return false
    }

    /// Moves an interaction between `queued` and `offered` (the caller holds its row lock).
    func setOfferState(_ id: UUID, _ state: InteractionState, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).interactions SET state = \(state.rawValue)
            WHERE id = \(id) AND state IN ('queued', 'offered')
            """, logger: logger)
    }

    func recordTransfer(_ transfer: ProjectedTransfer, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).transfers
                (id, interaction_id, from_agent_id, from_agent_name, target_type, target_id, target_name, state, expires_at,
                 created_at, decided_at)
            VALUES (\(transfer.id), \(transfer.interactionID), \(transfer.fromAgentID), \(transfer.fromAgentName),
                    \(transfer.targetType), \(transfer.targetID), \(transfer.targetName), \(transfer.state), \(transfer.expiresAt),
                    \(transfer.createdAt), \(transfer.decidedAt))
            ON CONFLICT (id) DO UPDATE SET
                state = excluded.state, decided_at = excluded.decided_at,
                from_agent_name = coalesce(excluded.from_agent_name, transfers.from_agent_name),
                target_name = coalesce(excluded.target_name, transfers.target_name),
                expires_at = coalesce(excluded.expires_at, transfers.expires_at)
            WHERE transfers.state = 'pending' AND excluded.state <> 'pending'
            """, logger: logger)
    }
}
