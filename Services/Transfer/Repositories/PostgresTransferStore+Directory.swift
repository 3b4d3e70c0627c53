import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Agents, queues and routing points, and the target search.
extension PostgresTransferStore {
    func upsertAgent(
        id: String, name: String, queues: [String], capacity: Int, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> AgentRecord {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).agents (id, name, queues, sms_capacity, created_at, updated_at)
            VALUES (\(id), \(name), \(queues), \(capacity), \(at), \(at))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, queues = EXCLUDED.queues,
                sms_capacity = EXCLUDED.sms_capacity, updated_at = EXCLUDED.updated_at
            RETURNING \(unescaped: Self.agentColumns)
            """, logger: logger)
        for try await row in rows { return try Self.agent(from: row) }
        throw CorruptTransferRow(detail: "upsert of agent \(id) returned nothing")
    }

    func lockAgent(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.agentColumns) FROM \(unescaped: schema).agents WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.agent(from: row) }
        return nil
    }

    func agent(_ id: String, client: PostgresClient, logger: Logger) async throws -> AgentRecord? {
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.agentColumns) FROM \(unescaped: schema).agents WHERE id = \(id)
            """, logger: logger)
        var found: AgentRecord?
        for try await row in rows { found = try Self.agent(from: row) }
        return found
    }

    /// Sets SMS presence; `ready_since` becomes `at` when it turns ready, nil when not ready.
    func setPresence(_ id: String, ready: Bool, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord? {
        let presence = ready ? "ready" : "not_ready"
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).agents
            SET ready_since = CASE WHEN \(ready) THEN (CASE WHEN sms_presence = 'ready' THEN ready_since ELSE \(at) END) ELSE NULL END,
                sms_presence = \(presence), updated_at = \(at)
            WHERE id = \(id)
            RETURNING \(unescaped: Self.agentColumns)
            """, logger: logger)
        for try await row in rows { return try Self.agent(from: row) }
        return nil
    }

    func upsertQueue(_ queue: QueueRecord, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).queues (id, name, created_at, updated_at) VALUES (\(queue.id), \(queue.name), \(at), \(at))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
            """, logger: logger)
    }

    func queue(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> QueueRecord? {
        let rows = try await connection.query("SELECT id, name FROM \(unescaped: schema).queues WHERE id = \(id)", logger: logger)
        for try await (id, name) in rows.decode((String, String).self) { return QueueRecord(id: id, name: name) }
        return nil
    }

    func upsertRoutingPoint(_ point: RoutingPointRecord, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).routing_points (id, name, queue, created_at, updated_at)
            VALUES (\(point.id), \(point.name), \(point.queue), \(at), \(at))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, queue = EXCLUDED.queue, updated_at = EXCLUDED.updated_at
            """, logger: logger)
    }

    func routingPoint(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> RoutingPointRecord? {
        let rows = try await connection.query(
            "SELECT id, name, queue FROM \(unescaped: schema).routing_points WHERE id = \(id)", logger: logger
        )
        for try await (id, name, queue) in rows.decode((String, String, String).self) {
            return RoutingPointRecord(id: id, name: name, queue: queue)
        }
        return nil
    }

    func searchTargets(_ query: String, limit: Int, client: PostgresClient, logger: Logger) async throws -> [TargetView] {
        // LIKE wildcards in the search text are literal.
        let escaped = query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        let pattern = "%\(escaped)%"
        let rows = try await client.rows(
            """
            SELECT * FROM (
                SELECT 'agent' AS type, a.id, a.name, a.sms_presence AS presence,
                       greatest(0, a.sms_capacity - a.sms_load
                           - (SELECT count(*) FROM \(unescaped: schema).offers o WHERE o.agent_id = a.id AND o.state = 'pending')
                           - (SELECT count(*) FROM \(unescaped: schema).interactions i WHERE i.assigning_to = a.id))::int8 AS spare,
                       NULL::text AS queue
                FROM \(unescaped: schema).agents a WHERE a.name ILIKE \(pattern) OR a.id ILIKE \(pattern)
                UNION ALL
                SELECT 'queue', q.id, q.name, NULL, NULL, NULL FROM \(unescaped: schema).queues q
                WHERE q.name ILIKE \(pattern) OR q.id ILIKE \(pattern)
                UNION ALL
                SELECT 'routing_point', r.id, r.name, NULL, NULL, r.queue FROM \(unescaped: schema).routing_points r
                WHERE r.name ILIKE \(pattern) OR r.id ILIKE \(pattern)
            ) hits
            ORDER BY lower(name), type, id
            LIMIT \(limit)
            """, logger: logger)
        var targets: [TargetView] = []
        for try await (type, id, name, presence, spare, queue) in rows.decode((String, String, String, String?, Int?, String?).self) {
            guard let kind = TargetType(rawValue: type) else { continue }
            targets.append(TargetView(type: kind, id: id, name: name, presence: presence, spareCapacity: spare, queue: queue))
        }
        return targets
    }
}
