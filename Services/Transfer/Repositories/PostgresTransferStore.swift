import Foundation
import Logging
import PostgresNIO

/// ``TransferStore`` in the `transfer` schema.
struct PostgresTransferStore: TransferStore {
    let schema: String

    // MARK: Serialisation and clock

    func lockRouting(on connection: PostgresConnection, logger: Logger) async throws {
        let key = "\(schema).routing"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key)))", logger: logger)
    }

    func now(on connection: PostgresConnection, logger: Logger) async throws -> Date {
        let rows = try await connection.query("SELECT clock_timestamp()", logger: logger)
        for try await value in rows.decode(Date.self) { return value }
        return Date()
    }

    // MARK: Directory

    func upsertAgent(id: String, name: String, queues: [String], capacity: Int, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord {
        let rows = try await connection.query("""
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
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.agentColumns) FROM \(unescaped: schema).agents WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.agent(from: row) }
        return nil
    }

    func agent(_ id: String, client: PostgresClient, logger: Logger) async throws -> AgentRecord? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.agentColumns) FROM \(unescaped: schema).agents WHERE id = \(id)
            """, logger: logger)
        var found: AgentRecord?
        for try await row in rows { found = try Self.agent(from: row) }
        return found
    }

    func setPresence(_ id: String, ready: Bool, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> AgentRecord? {
        let presence = ready ? "ready" : "not_ready"
        let rows = try await connection.query("""
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
        try await connection.query("""
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
        try await connection.query("""
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
        let rows = try await client.query("""
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

    // MARK: Capacity and idle time

    func candidates(queue: String, on connection: PostgresConnection, logger: Logger) async throws -> [AgentSelection.Candidate] {
        let rows = try await connection.query("""
            SELECT \(unescaped: candidateColumns) FROM \(unescaped: schema).agents a
            WHERE \(queue) = ANY(a.queues) AND a.sms_presence = 'ready'
            ORDER BY a.id
            """, logger: logger)
        var candidates: [AgentSelection.Candidate] = []
        for try await row in rows { candidates.append(try Self.candidate(from: row)) }
        return candidates
    }

    func candidate(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> AgentSelection.Candidate? {
        let rows = try await connection.query("""
            SELECT \(unescaped: candidateColumns) FROM \(unescaped: schema).agents a WHERE a.id = \(id)
            """, logger: logger)
        for try await row in rows { return try Self.candidate(from: row) }
        return nil
    }

    func refreshLoad(_ agentIDs: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard !agentIDs.isEmpty else { return }
        try await connection.query("""
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

    // MARK: Interaction projection

    func recordCreated(_ projection: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection {
        let p = projection
        let rows = try await connection.query("""
            INSERT INTO \(unescaped: schema).interactions
                (id, queue, state, from_number, origin, mode, media, queued_at, created_at, updated_at)
            VALUES (\(p.id), \(p.queue), \(p.state.rawValue), \(p.fromNumber), \(p.origin), \(p.mode), \(p.media), \(p.queuedAt),
                    \(p.createdAt), \(p.updatedAt))
            ON CONFLICT (id) DO UPDATE SET queue = CASE WHEN interactions.queue = '' THEN EXCLUDED.queue ELSE interactions.queue END,
                from_number = EXCLUDED.from_number, origin = EXCLUDED.origin, mode = EXCLUDED.mode, media = EXCLUDED.media,
                updated_at = EXCLUDED.updated_at
            RETURNING \(unescaped: Self.interactionColumns)
            """, logger: logger)
        for try await row in rows { return try Self.interaction(from: row) }
        throw CorruptTransferRow(detail: "insert of interaction \(p.idString) returned nothing")
    }

    func lockInteraction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.interaction(from: row) }
        return nil
    }

    func interaction(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionProjection? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions WHERE id = \(id)
            """, logger: logger)
        for try await row in rows { return try Self.interaction(from: row) }
        return nil
    }

    func insertInteraction(_ p: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).interactions
                (id, queue, state, owner_id, owner_name, assigning_to, transfer_id, from_number, origin, mode, media, queued_at,
                 created_at, updated_at, closed_at)
            VALUES (\(p.id), \(p.queue), \(p.state.rawValue), \(p.ownerID), \(p.ownerName), \(p.assigningTo), \(p.transferID),
                    \(p.fromNumber), \(p.origin), \(p.mode), \(p.media), \(p.queuedAt), \(p.createdAt), \(p.updatedAt), \(p.closedAt))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger)
    }

    func updateInteraction(_ p: InteractionProjection, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE \(unescaped: schema).interactions
            SET queue = \(p.queue), state = \(p.state.rawValue), owner_id = \(p.ownerID), owner_name = \(p.ownerName),
                assigning_to = \(p.assigningTo), transfer_id = \(p.transferID), queued_at = \(p.queuedAt), updated_at = \(p.updatedAt),
                closed_at = \(p.closedAt)
            WHERE id = \(p.id)
            """, logger: logger)
    }

    func waiting(queue: String, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [InteractionProjection] {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions
            WHERE state = 'queued' AND queue = \(queue)
            ORDER BY queued_at, id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var waiting: [InteractionProjection] = []
        for try await row in rows { waiting.append(try Self.interaction(from: row)) }
        return waiting
    }

    func declined(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT agent_id FROM \(unescaped: schema).declines WHERE interaction_id = \(interactionID)", logger: logger
        )
        var agents = Set<String>()
        for try await agent in rows.decode(String.self) { agents.insert(agent) }
        return agents
    }

    func recordDecline(_ interactionID: UUID, agentID: String, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).declines (interaction_id, agent_id, reason, at)
            VALUES (\(interactionID), \(agentID), \(reason), \(at))
            ON CONFLICT (interaction_id, agent_id) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at
            """, logger: logger)
    }

    func clearDeclines(_ interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM \(unescaped: schema).declines WHERE interaction_id = \(interactionID)", logger: logger
        )
    }

    // MARK: Offers

    func insertOffer(_ o: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).offers
                (id, interaction_id, agent_id, kind, state, expires_at, from_agent_id, from_agent_name, transfer_id, created_at, decided_at)
            VALUES (\(o.id), \(o.interactionID), \(o.agentID), \(o.kind.rawValue), \(o.state.rawValue), \(o.expiresAt), \(o.fromAgentID),
                    \(o.fromAgentName), \(o.transferID), \(o.createdAt), \(o.decidedAt))
            """, logger: logger)
    }

    func lockOffer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.offer(from: row) }
        return nil
    }

    func updateOffer(_ o: OfferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE \(unescaped: schema).offers SET state = \(o.state.rawValue), decided_at = \(o.decidedAt) WHERE id = \(o.id)
            """, logger: logger)
    }

    func offer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> OfferRecord? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers WHERE id = \(id)
            """, logger: logger)
        var found: OfferRecord?
        for try await row in rows { found = try Self.offer(from: row) }
        return found
    }

    func lockPendingOffer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> OfferRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE interaction_id = \(interaction) AND state = 'pending' FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.offer(from: row) }
        return nil
    }

    func pendingOffers(agent: String, client: PostgresClient, logger: Logger) async throws -> [(OfferRecord, InteractionProjection?)] {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE agent_id = \(agent) AND state = 'pending' AND expires_at > clock_timestamp()
            ORDER BY created_at, id
            """, logger: logger)
        var offers: [OfferRecord] = []
        for try await row in rows { offers.append(try Self.offer(from: row)) }
        guard !offers.isEmpty else { return [] }
        let ids = offers.map(\.interactionID)
        let interactionRows = try await client.query("""
            SELECT \(unescaped: Self.interactionColumns) FROM \(unescaped: schema).interactions WHERE id = ANY(\(ids))
            """, logger: logger)
        var interactions: [UUID: InteractionProjection] = [:]
        for try await row in interactionRows {
            let projection = try Self.interaction(from: row)
            interactions[projection.id] = projection
        }
        return offers.map { ($0, interactions[$0.interactionID]) }
    }

    func claimExpired(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> (now: Date, offers: [OfferRecord]) {
        let now = try await self.now(on: connection, logger: logger)
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.offerColumns) FROM \(unescaped: schema).offers
            WHERE state = 'pending' AND expires_at <= \(now)
            ORDER BY expires_at, id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var offers: [OfferRecord] = []
        for try await row in rows { offers.append(try Self.offer(from: row)) }
        return (now, offers)
    }

    func secondsUntilNextExpiry(client: PostgresClient, logger: Logger) async throws -> Double? {
        let rows = try await client.query("""
            SELECT extract(epoch FROM min(expires_at) - clock_timestamp())::float8
            FROM \(unescaped: schema).offers WHERE state = 'pending'
            """, logger: logger)
        for try await value in rows.decode(Double?.self) { return value }
        return nil
    }

    // MARK: Transfers and notifications

    func insertTransfer(_ t: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).transfers
                (id, interaction_id, from_agent_id, from_agent_name, target_type, target_id, target_queue, note, state, reason,
                 created_at, decided_at)
            VALUES (\(t.id), \(t.interactionID), \(t.fromAgentID), \(t.fromAgentName), \(t.target.type.rawValue), \(t.target.id),
                    \(t.targetQueue), \(t.note), \(t.state.rawValue), \(t.reason), \(t.createdAt), \(t.decidedAt))
            """, logger: logger)
    }

    func lockTransfer(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers WHERE id = \(id) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.transfer(from: row) }
        return nil
    }

    func lockPendingTransfer(interaction: UUID, on connection: PostgresConnection, logger: Logger) async throws -> TransferRecord? {
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers
            WHERE interaction_id = \(interaction) AND state = 'pending' FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Self.transfer(from: row) }
        return nil
    }

    func updateTransfer(_ t: TransferRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE \(unescaped: schema).transfers SET state = \(t.state.rawValue), reason = \(t.reason), decided_at = \(t.decidedAt)
            WHERE id = \(t.id)
            """, logger: logger)
    }

    func transfer(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> TransferRecord? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.transferColumns) FROM \(unescaped: schema).transfers WHERE id = \(id)
            """, logger: logger)
        var found: TransferRecord?
        for try await row in rows { found = try Self.transfer(from: row) }
        return found
    }

    func insertNotification(_ n: NotificationRecord, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).notifications
                (id, agent_id, kind, transfer_id, interaction_id, by_agent_id, by_agent_name, text, at)
            VALUES (\(n.id), \(n.agentID), \(n.kind.rawValue), \(n.transferID), \(n.interactionID), \(n.byAgent?.id),
                    \(n.byAgent?.name), \(n.text), \(n.at))
            """, logger: logger)
    }

    func notifications(agent: String, limit: Int, client: PostgresClient, logger: Logger) async throws -> [NotificationRecord] {
        let rows = try await client.query("""
            SELECT id, agent_id, kind, transfer_id, interaction_id, by_agent_id, by_agent_name, text, at
            FROM \(unescaped: schema).notifications WHERE agent_id = \(agent)
            ORDER BY at DESC, id LIMIT \(limit)
            """, logger: logger)
        var found: [NotificationRecord] = []
        for try await (id, agentID, kind, transferID, interactionID, byID, byName, text, at)
            in rows.decode((UUID, String, String, UUID?, UUID?, String?, String?, String, Date).self) {
            guard let kindValue = NotificationKind(rawValue: kind) else { continue }
            found.append(NotificationRecord(
                id: id, agentID: agentID, kind: kindValue, transferID: transferID, interactionID: interactionID,
                byAgent: byID.map { AgentRef(id: $0, name: byName) }, text: text, at: at
            ))
        }
        return found
    }

    // MARK: Rows

    private static let agentColumns = """
        id, name, queues, sms_capacity, sms_presence, sms_load, ready_since, last_assigned_at, last_assignment_ended_at,
        created_at, updated_at
        """

    private static func agent(from row: PostgresRow) throws -> AgentRecord {
        let c = row.makeRandomAccess()
        return AgentRecord(
            id: try c["id"].decode(String.self),
            name: try c["name"].decode(String.self),
            queues: try c["queues"].decode([String].self),
            smsCapacity: try c["sms_capacity"].decode(Int.self),
            smsReady: try c["sms_presence"].decode(String.self) == "ready",
            smsLoad: try c["sms_load"].decode(Int.self),
            readySince: try c["ready_since"].decode(Date?.self),
            lastAssignedAt: try c["last_assigned_at"].decode(Date?.self),
            lastAssignmentEndedAt: try c["last_assignment_ended_at"].decode(Date?.self),
            createdAt: try c["created_at"].decode(Date.self),
            updatedAt: try c["updated_at"].decode(Date.self)
        )
    }

    /// `reserved` = load + pending offers + accepted offers awaiting `interaction.assigned`.
    private var candidateColumns: String {
        """
        a.id, a.queues, a.sms_presence, a.sms_capacity, a.ready_since, a.last_assigned_at, a.last_assignment_ended_at,
        (a.sms_load
            + (SELECT count(*) FROM \(schema).offers o WHERE o.agent_id = a.id AND o.state = 'pending')
            + (SELECT count(*) FROM \(schema).interactions i WHERE i.assigning_to = a.id))::int8 AS reserved
        """
    }

    private static func candidate(from row: PostgresRow) throws -> AgentSelection.Candidate {
        let c = row.makeRandomAccess()
        return AgentSelection.Candidate(
            id: try c["id"].decode(String.self),
            queues: try c["queues"].decode([String].self),
            ready: try c["sms_presence"].decode(String.self) == "ready",
            capacity: try c["sms_capacity"].decode(Int.self),
            reserved: try c["reserved"].decode(Int.self),
            readySince: try c["ready_since"].decode(Date?.self),
            lastAssignedAt: try c["last_assigned_at"].decode(Date?.self),
            lastAssignmentEndedAt: try c["last_assignment_ended_at"].decode(Date?.self)
        )
    }

    private static let interactionColumns = """
        id, queue, state, owner_id, owner_name, assigning_to, transfer_id, from_number, origin, mode, media, preview_text,
        case_data::text AS case_data, queued_at, created_at, updated_at, closed_at
        """

    private static func interaction(from row: PostgresRow) throws -> InteractionProjection {
        let c = row.makeRandomAccess()
        let state = try c["state"].decode(String.self)
        guard let stateValue = ProjectionState(rawValue: state) else { throw CorruptTransferRow(detail: "interaction state \(state)") }
        let caseText = try c["case_data"].decode(String.self)
        let caseData = (try? JSONDecoder().decode([String: String].self, from: Data(caseText.utf8))) ?? [:]
        return InteractionProjection(
            id: try c["id"].decode(UUID.self),
            queue: try c["queue"].decode(String.self),
            state: stateValue,
            ownerID: try c["owner_id"].decode(String?.self),
            ownerName: try c["owner_name"].decode(String?.self),
            assigningTo: try c["assigning_to"].decode(String?.self),
            transferID: try c["transfer_id"].decode(UUID?.self),
            fromNumber: try c["from_number"].decode(String?.self),
            origin: try c["origin"].decode(String?.self),
            mode: try c["mode"].decode(String?.self),
            media: try c["media"].decode(String?.self),
            previewText: try c["preview_text"].decode(String?.self),
            caseData: caseData,
            queuedAt: try c["queued_at"].decode(Date?.self),
            createdAt: try c["created_at"].decode(Date.self),
            updatedAt: try c["updated_at"].decode(Date.self),
            closedAt: try c["closed_at"].decode(Date?.self)
        )
    }

    private static let offerColumns = """
        id, interaction_id, agent_id, kind, state, expires_at, from_agent_id, from_agent_name, transfer_id, created_at, decided_at
        """

    private static func offer(from row: PostgresRow) throws -> OfferRecord {
        let c = row.makeRandomAccess()
        let kind = try c["kind"].decode(String.self)
        let state = try c["state"].decode(String.self)
        guard let kindValue = OfferKind(rawValue: kind), let stateValue = OfferState(rawValue: state) else {
            throw CorruptTransferRow(detail: "offer kind \(kind), state \(state)")
        }
        return OfferRecord(
            id: try c["id"].decode(UUID.self),
            interactionID: try c["interaction_id"].decode(UUID.self),
            agentID: try c["agent_id"].decode(String.self),
            kind: kindValue,
            state: stateValue,
            expiresAt: try c["expires_at"].decode(Date.self),
            fromAgentID: try c["from_agent_id"].decode(String?.self),
            fromAgentName: try c["from_agent_name"].decode(String?.self),
            transferID: try c["transfer_id"].decode(UUID?.self),
            createdAt: try c["created_at"].decode(Date.self),
            decidedAt: try c["decided_at"].decode(Date?.self)
        )
    }

    private static let transferColumns = """
        id, interaction_id, from_agent_id, from_agent_name, target_type, target_id, target_queue, note, state, reason, created_at, decided_at
        """

    private static func transfer(from row: PostgresRow) throws -> TransferRecord {
        let c = row.makeRandomAccess()
        let type = try c["target_type"].decode(String.self)
        let state = try c["state"].decode(String.self)
        guard let typeValue = TargetType(rawValue: type), let stateValue = TransferState(rawValue: state) else {
            throw CorruptTransferRow(detail: "transfer target_type \(type), state \(state)")
        }
        return TransferRecord(
            id: try c["id"].decode(UUID.self),
            interactionID: try c["interaction_id"].decode(UUID.self),
            fromAgentID: try c["from_agent_id"].decode(String.self),
            fromAgentName: try c["from_agent_name"].decode(String?.self),
            target: TransferTarget(type: typeValue, id: try c["target_id"].decode(String.self)),
            targetQueue: try c["target_queue"].decode(String?.self),
            note: try c["note"].decode(String?.self),
            state: stateValue,
            reason: try c["reason"].decode(String?.self),
            createdAt: try c["created_at"].decode(Date.self),
            decidedAt: try c["decided_at"].decode(Date?.self)
        )
    }
}

/// A row whose enumerated columns hold a value the code does not know (the CHECK
/// constraints make this a bug, or a newer schema than this binary).
struct CorruptTransferRow: Error, CustomStringConvertible {
    let detail: String
    var description: String { "transfer row with unknown values: \(detail)" }
}
