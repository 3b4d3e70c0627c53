import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The directory, the interaction projection, offers, declines, transfers and
/// notifications, in the `transfer` schema.
///
/// Everything that changes state runs on the caller's connection inside the caller's
/// transaction, so the change, its outbox messages and (for consumers) the inbox record
/// commit together. Reads for HTTP GETs use the pool.
struct PostgresTransferStore {
    let schema: String

    // MARK: Serialisation and clock

    /// Takes the transaction-scoped routing lock (`pg_advisory_xact_lock`): every change
    /// that can create, decide or expire an offer, or change presence, capacity or load,
    /// takes it first, so routing decisions never interleave (see ``TransferCommands``).
    func lockRouting(on connection: PostgresConnection, logger: Logger) async throws {
        let key = "\(schema).routing"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key)))", logger: logger)
    }

    /// The database's clock.
    func now(on connection: PostgresConnection, logger: Logger) async throws -> Date {
        let rows = try await connection.query("SELECT clock_timestamp()", logger: logger)
        for try await value in rows.decode(Date.self) { return value }
        return Date()
    }

    // MARK: Rows

    static let agentColumns = """
        id, name, queues, sms_capacity, sms_presence, sms_load, ready_since, last_assigned_at, last_assignment_ended_at,
        created_at, updated_at
        """

    static func agent(from row: PostgresRow) throws -> AgentRecord {
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
    var candidateColumns: String {
        """
        a.id, a.queues, a.sms_presence, a.sms_capacity, a.ready_since, a.last_assigned_at, a.last_assignment_ended_at,
        (a.sms_load
            + (SELECT count(*) FROM \(schema).offers o WHERE o.agent_id = a.id AND o.state = 'pending')
            + (SELECT count(*) FROM \(schema).interactions i WHERE i.assigning_to = a.id))::int8 AS reserved
        """
    }

    static func candidate(from row: PostgresRow) throws -> AgentSelection.Candidate {
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

    static let interactionColumns = """
        id, queue, state, owner_id, owner_name, assigning_to, transfer_id, from_number, origin, mode, media, preview_text,
        case_data::text AS case_data, queued_at, created_at, updated_at, closed_at, contact_id, contact_name
        """

    static func interaction(from row: PostgresRow) throws -> InteractionProjection {
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
            contactID: try c["contact_id"].decode(String?.self),
            contactName: try c["contact_name"].decode(String?.self),
            queuedAt: try c["queued_at"].decode(Date?.self),
            createdAt: try c["created_at"].decode(Date.self),
            updatedAt: try c["updated_at"].decode(Date.self),
            closedAt: try c["closed_at"].decode(Date?.self)
        )
    }

    static let offerColumns = """
        id, interaction_id, agent_id, kind, state, expires_at, from_agent_id, from_agent_name, transfer_id, created_at, decided_at,
        callback::text AS callback
        """

    static func offer(from row: PostgresRow) throws -> OfferRecord {
        let c = row.makeRandomAccess()
        let kind = try c["kind"].decode(String.self)
        let state = try c["state"].decode(String.self)
        guard let kindValue = OfferKind(rawValue: kind), let stateValue = OfferState(rawValue: state) else {
            throw CorruptTransferRow(detail: "offer kind \(kind), state \(state)")
        }
        return OfferRecord(
            id: try c["id"].decode(UUID.self),
            interactionID: try c["interaction_id"].decode(UUID?.self),
            agentID: try c["agent_id"].decode(String.self),
            kind: kindValue,
            state: stateValue,
            expiresAt: try c["expires_at"].decode(Date.self),
            fromAgentID: try c["from_agent_id"].decode(String?.self),
            fromAgentName: try c["from_agent_name"].decode(String?.self),
            transferID: try c["transfer_id"].decode(UUID?.self),
            createdAt: try c["created_at"].decode(Date.self),
            decidedAt: try c["decided_at"].decode(Date?.self),
            callback: try Self.callbackSummary(c["callback"].decode(String?.self))
        )
    }

    /// A callback snapshot stored as JSON (`offers.callback`, `callbacks.summary`).
    static func callbackSummary(_ text: String?) throws -> CallbackSummary? {
        guard let text else { return nil }
        do {
            return try SwitchboardJSON.decoder().decode(CallbackSummary.self, from: Data(text.utf8))
        } catch {
            throw CorruptTransferRow(detail: "callback snapshot that does not decode: \(error)")
        }
    }

    static func json(_ summary: CallbackSummary?) throws -> String? {
        guard let summary else { return nil }
        return String(decoding: try SwitchboardJSON.encoder().encode(summary), as: UTF8.self)
    }

    static let transferColumns = """
        id, interaction_id, from_agent_id, from_agent_name, target_type, target_id, target_queue, note, state, reason, created_at, decided_at
        """

    static func transfer(from row: PostgresRow) throws -> TransferRecord {
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
