import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// The supervisor views (docs/architecture.md section 10.3): every agent with its load, every
/// queue with its live counts. Reads on the pool, a page at a time in id order, counted when
/// asked: nothing is kept for them, so they cannot drift from what routing sees.
extension PostgresTransferStore {
    /// Agents, optionally only the members of `queue`, with their pending offers and spare
    /// capacity counted as routing counts them (``candidateColumns``).
    func agentStatuses(
        queue: String?, page: DirectoryPageRequest, client: PostgresClient, logger: Logger
    ) async throws -> ListPage<AgentStatusView> {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: candidateColumns), a.name, a.sms_load,
                   (SELECT count(*) FROM \(unescaped: schema).offers o
                    WHERE o.agent_id = a.id AND o.state = 'pending' AND o.expires_at > clock_timestamp())::int8 AS offers_pending
            FROM \(unescaped: schema).agents a
            WHERE (\(queue)::text IS NULL OR a.queues @> ARRAY[\(queue)::text])
              AND (\(page.after)::text IS NULL OR a.id > \(page.after))
            ORDER BY a.id
            LIMIT \(page.limit + 1)
            """, logger: logger)
        var items: [AgentStatusView] = []
        for try await row in rows { items.append(try Self.agentStatus(from: row)) }
        return Self.page(items, limit: page.limit, id: \.id)
    }

    /// Every queue that is registered, named by an agent, or holds an interaction waiting or
    /// offered, with its counts. Each count comes from a small set that indexes reach:
    /// `queued` interactions (`interactions_waiting`), pending offers (`offers_due`) joined to
    /// their interactions by key, and the directory.
    func queueStatuses(page: DirectoryPageRequest, client: PostgresClient, logger: Logger) async throws -> ListPage<QueueStatusView> {
        let rows = try await client.rows(
            """
            WITH waiting AS (
                SELECT queue AS id, count(*) AS waiting, min(queued_at) AS oldest
                FROM \(unescaped: schema).interactions WHERE state = 'queued' AND queue <> '' GROUP BY queue
            ), offered AS (
                SELECT i.queue AS id, count(*) AS offered
                FROM \(unescaped: schema).offers o JOIN \(unescaped: schema).interactions i ON i.id = o.interaction_id
                WHERE o.state = 'pending' AND i.state = 'offered' AND i.queue <> '' GROUP BY i.queue
            ), members AS (
                SELECT q.id, count(*) AS agents, count(*) FILTER (WHERE a.sms_presence = 'ready') AS agents_ready
                FROM \(unescaped: schema).agents a CROSS JOIN LATERAL unnest(a.queues) AS q (id) GROUP BY q.id
            ), ids AS (
                SELECT id FROM \(unescaped: schema).queues
                UNION SELECT id FROM waiting UNION SELECT id FROM offered UNION SELECT id FROM members
            )
            SELECT ids.id, q.name, coalesce(w.waiting, 0)::int8 AS waiting, coalesce(f.offered, 0)::int8 AS offered,
                   coalesce(greatest(0, floor(extract(epoch FROM clock_timestamp() - w.oldest))), 0)::int8 AS longest_wait_seconds,
                   coalesce(m.agents, 0)::int8 AS agents, coalesce(m.agents_ready, 0)::int8 AS agents_ready
            FROM ids
            LEFT JOIN \(unescaped: schema).queues q ON q.id = ids.id
            LEFT JOIN waiting w ON w.id = ids.id
            LEFT JOIN offered f ON f.id = ids.id
            LEFT JOIN members m ON m.id = ids.id
            WHERE \(page.after)::text IS NULL OR ids.id > \(page.after)
            ORDER BY ids.id
            LIMIT \(page.limit + 1)
            """, logger: logger)
        var items: [QueueStatusView] = []
        for try await (id, name, waiting, offered, longest, agents, ready) in rows.decode((String, String?, Int, Int, Int, Int, Int).self) {
            items.append(
                QueueStatusView(
                    id: id, name: name, waiting: waiting, offered: offered, longestWaitSeconds: longest, agents: agents, agentsReady: ready))
        }
        return Self.page(items, limit: page.limit, id: \.id)
    }

    private static func agentStatus(from row: PostgresRow) throws -> AgentStatusView {
        let candidate = try Self.candidate(from: row)
        let c = row.makeRandomAccess()
        return AgentStatusView(
            id: candidate.id, name: try c["name"].decode(String.self), queues: candidate.queues, capacity: ["sms": candidate.capacity],
            presence: ["sms": candidate.ready ? "ready" : "not_ready"], load: ["sms": try c["sms_load"].decode(Int.self)],
            offersPending: try c["offers_pending"].decode(Int.self), spareCapacity: ["sms": candidate.spare]
        )
    }

    /// `rows` were read with `limit + 1`: one more than the page means there is a next page,
    /// which starts after the page's last id.
    private static func page<Item: Encodable & Sendable>(_ rows: [Item], limit: Int, id: (Item) -> String) -> ListPage<Item> {
        guard rows.count > limit else { return ListPage(items: rows, next: nil) }
        let items = Array(rows.prefix(limit))
        return ListPage(items: items, next: items.last.map { DirectoryCursor(after: id($0)).encoded })
    }
}
