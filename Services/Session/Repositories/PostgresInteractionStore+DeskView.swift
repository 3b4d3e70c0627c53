import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// What the API shows beside an interaction's own columns (docs/architecture.md section
/// 10.3): the transfer in progress, from session's projection of transfer's events, and the
/// contact's recent history, from session's own interactions and transcripts.
extension PostgresInteractionStore {
    /// A single read as the API answers it: with its transfer and contact history.
    func response(for view: InteractionView, client: PostgresClient, logger: Logger) async throws -> InteractionResponse {
        let transfers = try await transfersInProgress(of: [view], client: client, logger: logger)
        let history = try await contactHistory(of: view, client: client, logger: logger)
        return InteractionResponse(interaction: view, transfer: transfers[view.id], contactHistory: history)
    }

    /// A page as the API answers it: each item with its transfer (one query for the page),
    /// none with a contact history.
    func responses(for page: ListPage<InteractionView>, client: PostgresClient, logger: Logger) async throws -> ListPage<InteractionResponse> {
        let transfers = try await transfersInProgress(of: page.items, client: client, logger: logger)
        return ListPage(
            items: page.items.map { InteractionResponse(interaction: $0, transfer: transfers[$0.id], contactHistory: nil) }, next: page.next
        )
    }

    /// The pending transfer of each interaction that has one still in progress
    /// (``PendingTransferView/isInProgress(on:)``), by interaction id. `expires_at` is the
    /// transfer's own when its event carried one, else that of its offer to the target.
    func transfersInProgress(of views: [InteractionView], client: PostgresClient, logger: Logger) async throws -> [String: PendingTransferView] {
        let ids = views.compactMap { UUID(uuidString: $0.id) }
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.rows(
            """
            SELECT t.interaction_id, t.id, t.target_type, t.target_id, t.target_name, t.from_agent_id, t.from_agent_name, t.state,
                   coalesce(t.expires_at, (SELECT max(o.expires_at) FROM \(unescaped: schema).offers o WHERE o.transfer_id = t.id))
                   AS expires_at
            FROM \(unescaped: schema).transfers t
            WHERE t.interaction_id = ANY(\(ids)) AND t.state = 'pending'
            ORDER BY t.created_at
            """, logger: logger)
        let byID = Dictionary(views.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var found: [String: PendingTransferView] = [:]
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let interactionID = try columns["interaction_id"].decode(UUID.self).uuidString.lowercased()
            let transfer = PendingTransferView(
                id: try columns["id"].decode(UUID.self).uuidString.lowercased(),
                target: PendingTransferView.Target(
                    type: try columns["target_type"].decode(String.self), id: try columns["target_id"].decode(String.self),
                    name: try columns["target_name"].decode(String?.self)
                ),
                fromAgent: PartyView(id: try columns["from_agent_id"].decode(String.self), name: try columns["from_agent_name"].decode(String?.self)),
                state: try columns["state"].decode(String.self),
                expiresAt: try columns["expires_at"].decode(Date?.self)
            )
            // The latest wins, should transfer ever have let two be pending at once.
            if let view = byID[interactionID], transfer.isInProgress(on: view) { found[interactionID] = transfer }
        }
        return found
    }

    /// ``ContactHistoryView``, by the database's clock, in one statement: the interactions of
    /// the view's contact (unknown: of its two numbers) open now or closed in the past 24
    /// hours, each found by its index (`interactions_contact_recent`, `interactions_pair_recent`:
    /// the parameters are constants when the statement is planned, so only one arm is), and
    /// their messages of the past 24 hours through the transcript's primary key. Every
    /// message of the past 24 hours is in such an interaction: none is appended to a closed
    /// one.
    func contactHistory(of view: InteractionView, client: PostgresClient, logger: Logger) async throws -> ContactHistoryView {
        let contactID = view.contact?.id
        let rows = try await client.rows(
            """
            WITH recent AS (
                SELECT id FROM \(unescaped: schema).interactions
                WHERE ((\(contactID)::text IS NOT NULL AND contact_id = \(contactID))
                       OR (\(contactID)::text IS NULL AND from_number = \(view.from) AND to_number = \(view.to)))
                  AND coalesce(closed_at, 'infinity'::timestamptz) >= now() - interval '24 hours'
            )
            SELECT (SELECT count(*) FROM recent)::bigint,
                   (SELECT count(*) FROM \(unescaped: schema).transcript t
                    WHERE t.interaction_id IN (SELECT id FROM recent) AND t.kind = 'message'
                      AND t.at >= now() - interval '24 hours')::bigint
            """, logger: logger)
        for try await (interactions, messages) in rows.decode((Int64, Int64).self) {
            return ContactHistoryView(messageExchanges24h: Int(messages), openOrRecentInteractions: Int(interactions))
        }
        return ContactHistoryView(messageExchanges24h: 0, openOrRecentInteractions: 0)  // unreachable: one row
    }
}
