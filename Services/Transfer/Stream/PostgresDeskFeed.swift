import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// The desk feed in the `transfer` schema: each agent's desktop events, numbered per agent.
///
/// Written on the caller's connection inside the transaction of the change it reports, so an
/// event is on a desktop only once its change committed, and is never missing after. Each
/// agent's numbers come from its `desk_cursors` row, whose lock is held to commit: a reader
/// that has seen number *n* has seen every number below it. A notification on
/// ``notifyChannel`` (payload: the agent id) tells every replica to look.
struct PostgresDeskFeed: Sendable {
    let schema: String

    /// The `LISTEN` channel replicas wait on.
    var notifyChannel: String { "\(schema)_desk" }

    /// Appends `events` in order. Agents' cursors are locked in id order, so two
    /// transactions that write to the same agents never wait on each other in a cycle.
    func append(_ events: [AddressedDeskEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        let byAgent = Dictionary(grouping: events, by: \.agentID)
        for agentID in byAgent.keys.sorted() {
            guard let own = byAgent[agentID] else { continue }
            let count = Int64(own.count)
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: schema).desk_cursors (agent_id, last_seq) VALUES (\(agentID), \(count))
                ON CONFLICT (agent_id) DO UPDATE SET last_seq = desk_cursors.last_seq + \(count)
                RETURNING last_seq
                """, logger: logger)
            var last: Int64 = 0
            for try await value in rows.decode(Int64.self) { last = value }
            let first = last - count + 1
            let seqs = (0..<count).map { first + $0 }
            let kinds = own.map(\.event.kind.rawValue)
            let data = own.map(\.event.data)
            try await connection.query(
                """
                INSERT INTO \(unescaped: schema).desk_events (agent_id, seq, kind, data)
                SELECT \(agentID), seq, kind, data::jsonb FROM unnest(\(seqs)::int8[], \(kinds)::text[], \(data)::text[]) AS e (seq, kind, data)
                """, logger: logger)
            try await connection.query("SELECT pg_notify(\(notifyChannel), \(agentID))", logger: logger)
        }
    }

    /// The agent's newest event number and the newest one retention removed (0, 0 for an
    /// agent that never had any).
    func position(of agentID: String, client: PostgresClient, logger: Logger) async throws -> (newest: Int64, purgedThrough: Int64) {
        let rows = try await client.rows(
            "SELECT last_seq, purged_through FROM \(unescaped: schema).desk_cursors WHERE agent_id = \(agentID)", logger: logger)
        for try await (newest, purged) in rows.decode((Int64, Int64).self) { return (newest, purged) }
        return (0, 0)
    }

    /// The events after each agent's number, in order per agent, at most `perAgent` of each.
    func events(after cursors: [String: Int64], perAgent: Int, client: PostgresClient, logger: Logger) async throws -> [DeskFeedRow] {
        guard !cursors.isEmpty else { return [] }
        let agents = cursors.keys.sorted()
        let after = agents.map { cursors[$0] ?? 0 }
        // At most `perAgent` rows of each agent (the primary key's order), so one agent's
        // backlog never crowds another's events out of a read.
        let rows = try await client.rows(
            """
            SELECT e.agent_id, e.seq, e.kind, e.data::text
            FROM unnest(\(agents)::text[], \(after)::int8[]) AS c (agent_id, after)
            CROSS JOIN LATERAL (
                SELECT d.agent_id, d.seq, d.kind, d.data FROM \(unescaped: schema).desk_events d
                WHERE d.agent_id = c.agent_id AND d.seq > c.after ORDER BY d.seq LIMIT \(perAgent)
            ) e
            ORDER BY e.agent_id, e.seq
            """, logger: logger)
        var result: [DeskFeedRow] = []
        for try await (agentID, seq, kind, data) in rows.decode((String, Int64, String, String).self) {
            guard let kind = DeskEventKind(rawValue: kind) else { continue }
            result.append(DeskFeedRow(agentID: agentID, seq: seq, event: DeskEvent(kind: kind, data: data)))
        }
        return result
    }

    /// Removes events older than `retention` (at most `batch` per call) and remembers, per
    /// agent, the newest number removed: a desktop asking to resume before it gets `resync`.
    /// Returns how many were removed.
    @discardableResult
    func purge(olderThan retention: Duration, batch: Int = 10_000, client: PostgresClient, logger: Logger) async throws -> Int {
        let seconds = Double(retention.components.seconds)
        let rows = try await client.rows(
            """
            WITH gone AS (
                DELETE FROM \(unescaped: schema).desk_events WHERE (agent_id, seq) IN (
                    SELECT agent_id, seq FROM \(unescaped: schema).desk_events
                    WHERE at < now() - make_interval(secs => \(seconds)) LIMIT \(batch)
                ) RETURNING agent_id, seq
            ), newest AS (
                SELECT agent_id, max(seq) AS seq, count(*) AS removed FROM gone GROUP BY agent_id
            ), marked AS (
                UPDATE \(unescaped: schema).desk_cursors c SET purged_through = greatest(c.purged_through, newest.seq)
                FROM newest WHERE c.agent_id = newest.agent_id RETURNING 1
            )
            SELECT coalesce(sum(removed), 0)::int8 FROM newest
            """, logger: logger)
        for try await removed in rows.decode(Int64.self) { return Int(removed) }
        return 0
    }
}
