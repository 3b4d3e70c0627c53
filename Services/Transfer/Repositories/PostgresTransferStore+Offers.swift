import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Offers, and their expiry timers (`expires_at`).
extension PostgresTransferStore {
    func insertOffer(_ o: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let callback = try Self.json(o.callback)
        let callbackID = o.callback.flatMap { UUID(uuidString: $0.id) }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).offers
                (id, interaction_id, agent_id, kind, state, expires_at, from_agent_id, from_agent_name, transfer_id, created_at, decided_at,
                 callback_id, callback)
            VALUES (\(o.id), \(o.interactionID), \(o.agentID), \(o.kind.rawValue), \(o.state.rawValue), \(o.expiresAt), \(o.fromAgentID),
                    \(o.fromAgentName), \(o.transferID), \(o.createdAt), \(o.decidedAt), \(callbackID),
                    \(callback)::jsonb)
            """, logger: logger)
    }

    func lockOffer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.offer(from: row) }
        return nil
    }

    func updateOffer(_ o: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: schema).offers SET state = \(o.state.rawValue), decided_at = \(o.decidedAt) WHERE id = \(o.id)
            """, logger: logger)
    }

    func offer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> OfferRecord? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers WHERE id = \(id)
            """, logger: logger)
        var found: OfferRecord?
        for try await row in rows { found = try Self.offer(from: row) }
        return found
    }

    /// Whether an interaction has a pending offer (a plain read: no lock).
    func hasPendingOffer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await pendingOffer(interaction: interaction, on: connection, logger: logger) != nil
    }

    /// The pending offer of an interaction, or nil (a plain read: no lock). A prepared
    /// statement (``PendingOfferStatement``): read for every preview change with an offer.
    func pendingOffer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        for try await offer in try await connection.execute(PendingOfferStatement(interaction: interaction), logger: logger) { return offer }
        return nil
    }

    /// The pending offer of an interaction, locked, or nil.
    func lockPendingOffer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE interaction_id = \(interaction) AND state = 'pending' FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.offer(from: row) }
        return nil
    }

    /// An agent's pending, unexpired offers with their interactions (none for a callback
    /// offer), oldest first.
    func pendingOffers(agent: String, client: PostgresClient, logger: Logger) async throws -> [(OfferRecord, InteractionProjection?)] {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE agent_id = \(agent) AND state = 'pending' AND expires_at > clock_timestamp()
            ORDER BY created_at, id
            """, logger: logger)
        var offers: [OfferRecord] = []
        for try await row in rows { offers.append(try Self.offer(from: row)) }
        guard !offers.isEmpty else { return [] }
        let ids = offers.compactMap(\.interactionID)
        let interactionRows = try await client.rows(
            """
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions WHERE id = ANY(\(ids))
            """, logger: logger)
        var interactions: [UUID: InteractionProjection] = [:]
        for try await row in interactionRows {
            let projection = try Self.interaction(from: row)
            interactions[projection.id] = projection
        }
        return offers.map { offer in (offer, offer.interactionID.flatMap { interactions[$0] }) }
    }

    /// The database's clock and the pending offers expired by it, locked with
    /// `FOR UPDATE SKIP LOCKED`.
    func claimExpired(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> (now: Date, offers: [OfferRecord]) {
        let now = try await self.now(on: connection, logger: logger)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE state = 'pending' AND expires_at <= \(now)
            ORDER BY expires_at, id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var offers: [OfferRecord] = []
        for try await row in rows { offers.append(try Self.offer(from: row)) }
        return (now, offers)
    }

    /// Seconds until the earliest pending offer expires (negative when overdue), or nil.
    func secondsUntilNextExpiry(client: PostgresClient, logger: Logger) async throws -> Double? {
        let rows = try await client.rows(
            """
            SELECT extract(epoch FROM min(expires_at) - clock_timestamp())::float8
            FROM \(unescaped: schema).offers WHERE state = 'pending'
            """, logger: logger)
        for try await value in rows.decode(Double?.self) { return value }
        return nil
    }
}
