import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Reads queues' live counts from the interaction projection (the supervisors' `queue` events).
struct PostgresQueueCounts: Sendable {
    let schema: String

    /// The counts of `queues`, one per queue asked for (zeros for an empty one).
    func counts(of queues: Set<String>, client: PostgresClient, logger: Logger) async throws -> [QueueCounts] {
        guard !queues.isEmpty else { return [] }
        let names = queues.sorted()
        let rows = try await client.rows(
            """
            SELECT q.name,
                count(i.id) FILTER (WHERE i.state = 'queued')::int8,
                count(i.id) FILTER (WHERE i.state = 'offered')::int8,
                coalesce(extract(epoch FROM now() - min(i.queued_at) FILTER (WHERE i.state = 'queued')), 0)::int8
            FROM unnest(\(names)::text[]) AS q (name)
            LEFT JOIN \(unescaped: schema).interactions i ON i.queue = q.name AND i.state IN ('queued', 'offered')
            GROUP BY q.name ORDER BY q.name
            """, logger: logger)
        var result: [QueueCounts] = []
        for try await (queue, waiting, offered, longest) in rows.decode((String, Int64, Int64, Int64).self) {
            result.append(QueueCounts(queue: queue, waiting: Int(waiting), offered: Int(offered), longestWaitSeconds: Int(max(0, longest))))
        }
        return result
    }
}
