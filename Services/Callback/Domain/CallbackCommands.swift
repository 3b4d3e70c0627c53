import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Every change to a callback, as one place that applies the rules. Each operation runs
/// inside the caller's transaction: it locks the callback row, checks access and state,
/// writes the change and puts the resulting event in the outbox, so all of it commits or
/// none does.
///
/// **Racing a firing.** The scheduler claims due rows with `FOR UPDATE SKIP LOCKED` and,
/// in the same transaction, marks them `due` and writes `callback.due`. A reschedule,
/// cancel or completion locks the row with `FOR UPDATE`, so the two serialise and whichever
/// commits first wins:
/// - the firing first: the request waits for the lock, then sees `due` (the event is
///   already in the outbox); cancelling or completing a `due` callback is allowed, and
///   rescheduling makes it `scheduled` again at the new time (it fires again then);
/// - the request first: the scheduler skips the locked row on that pass and, on the next
///   one (at most 500 ms later), no longer finds it `scheduled` and due (cancelled,
///   completed, or moved to a later time), so it never fires at the old time.
///
/// **Events.** `callback.scheduled` carries the shared ``CallbackScheduled`` contract (which
/// `session` turns into a transcript entry); `callback.rescheduled` (any change: due time,
/// notes, target or, after `contact.merged`, contact), `callback.cancelled`, `callback.due`
/// and `callback.completed` carry the whole callback (``CallbackView``). The CloudEvents
/// `subject` is the interaction id when the callback has one (docs/architecture.md section 2); the
/// AMQP `correlation_id` is the interaction id, else the callback id.
struct CallbackCommands: Sendable {
    let store: PostgresCallbackStore
    let outbox: Outbox
    /// Who may see which interaction, from `interaction.assigned`.
    let participants: InteractionParticipants
    let logger: Logger
    let access = CallbackAccess()

    // MARK: Agent operations

    /// Schedules a callback. One linked to an interaction needs the right to see it (its
    /// owner, past or present, or a supervisor or admin; else 404 as for an unknown id),
    /// since the link writes "Callback scheduled … by …" into that interaction's transcript.
    func schedule(
        _ draft: CallbackDraft, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> CallbackRecord {
        guard access.schedule(identity) == .allowed else { throw CallbackError.notAllowed }
        if let interactionID = draft.interactionID {
            let participant =
                identity.canReadEverything
                ? true : try await participants.contains(interactionID: interactionID, agentID: identity.agentID, on: connection, logger: logger)
            guard access.link(identity, isParticipant: participant) == .allowed else { throw CallbackError.interactionNotFound }
        }
        let now = Date()
        let record = CallbackRecord(
            id: UUID(), phone: draft.phone, contactID: draft.contactID, interactionID: draft.interactionID, dueAt: draft.due.dueAt,
            timeZone: draft.due.timeZone, target: draft.target, channel: draft.channel, notes: draft.notes, state: .scheduled,
            scheduledBy: identity.agentID, scheduledByName: identity.name, outcome: nil, createdAt: now, updatedAt: now,
            firedAt: nil, completedAt: nil
        )
        try await store.insert(record, on: connection, logger: logger)
        let scheduled = CallbackScheduled(
            callbackId: record.idString, interactionId: record.interactionID?.uuidString.lowercased(), dueAt: record.dueAt,
            scheduledBy: record.scheduledBy, scheduledByName: record.scheduledByName
        )
        try await outbox.enqueue([try event(.callbackScheduled, record, traceparent, scheduled)], on: connection, logger: logger)
        logger.info("callback scheduled", metadata: Self.metadata(record, traceparent))
        return record
    }

    /// A reschedule (new due time), or a change of notes or target.
    func change(
        _ id: UUID, _ change: CallbackChange, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> CallbackRecord {
        let record = try await lockForChange(id, identity, on: connection)
        var updated = record
        if let due = change.due {
            guard let next = record.state.rescheduled() else { throw CallbackError.closed(record.state) }
            updated.state = next
            updated.dueAt = due.dueAt
            updated.timeZone = due.timeZone
            updated.firedAt = nil
            updated.acceptedBy = nil
        } else {
            guard record.state.edited() != nil else { throw CallbackError.closed(record.state) }
        }
        if let notes = change.notes { updated.notes = notes }
        if let target = change.target, target != record.target {
            // A due callback with a new target is offered anew (transfer), to someone else.
            updated.target = target
            updated.acceptedBy = nil
        }
        updated.updatedAt = Date()
        try await store.update(updated, on: connection, logger: logger)
        try await outbox.enqueue([try event(.callbackRescheduled, updated, traceparent, updated.view)], on: connection, logger: logger)
        logger.info("callback changed", metadata: Self.metadata(updated, traceparent))
        return updated
    }

    func cancel(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> CallbackRecord {
        let record = try await lockForChange(id, identity, on: connection)
        guard let next = record.state.cancelled() else { throw CallbackError.closed(record.state) }
        var updated = record
        updated.state = next
        updated.updatedAt = Date()
        try await store.update(updated, on: connection, logger: logger)
        try await outbox.enqueue([try event(.callbackCancelled, updated, traceparent, updated.view)], on: connection, logger: logger)
        logger.info("callback cancelled", metadata: Self.metadata(updated, traceparent))
        return updated
    }

    func complete(
        _ id: UUID, outcome: String, by identity: Identity, traceparent: String?, on connection: PostgresConnection
    ) async throws -> CallbackRecord {
        let record = try await lockForChange(id, identity, on: connection)
        guard let next = record.state.completed() else { throw CallbackError.closed(record.state) }
        let now = Date()
        var updated = record
        updated.state = next
        updated.outcome = outcome
        updated.completedAt = now
        updated.updatedAt = now
        try await store.update(updated, on: connection, logger: logger)
        try await outbox.enqueue([try event(.callbackCompleted, updated, traceparent, updated.view)], on: connection, logger: logger)
        logger.info("callback completed", metadata: Self.metadata(updated, traceparent))
        return updated
    }

    // MARK: Timers

    /// Claims up to `limit` callbacks due by the database's clock, marks them `due` and
    /// writes one `callback.due` each, all in the caller's transaction: the claim, the state
    /// change and the events commit together or not at all, so a crash anywhere before the
    /// commit leaves them `scheduled` for another pass or instance, and after it they are
    /// `due` and never claimed again. No lease is needed.
    func fireDue(limit: Int, on connection: PostgresConnection) async throws -> [CallbackRecord] {
        let (now, claimed) = try await store.claimDue(limit: limit, on: connection, logger: logger)
        var fired: [CallbackRecord] = []
        for record in claimed {
            guard let next = record.state.fired() else { continue }
            var updated = record
            updated.state = next
            updated.firedAt = now
            updated.updatedAt = now
            fired.append(updated)
        }
        guard !fired.isEmpty else { return [] }
        try await store.markDue(fired.map(\.id), at: now, on: connection, logger: logger)
        let events = try fired.map { record in try event(.callbackDue, record, TraceContext.newTraceparent(), record.view) }
        try await outbox.enqueue(events, on: connection, logger: logger)
        return fired
    }

    // MARK: From other services

    /// `offer.accepted` of a callback offer: the agent who accepted it may now complete it
    /// (``CallbackAccess``). Ignored unless the callback is still `due` with the target and
    /// due time it was offered with: a reschedule or a new target since (the event may come
    /// late) ended that firing, and its agent has no say in the new one.
    func callbackOfferAccepted(
        callbackID: UUID, agentID: String, offered: CallbackOfferAccepted.Callback, on connection: PostgresConnection
    ) async throws {
        guard !agentID.isEmpty else { throw InvalidMessage("agent_id is required") }
        guard var record = try await store.lock(callbackID, on: connection, logger: logger), offered.isOffer(of: record) else {
            logger.warning("callback offer accepted for an earlier firing or target; ignored", metadata: ["callback_id": "\(callbackID)"])
            return
        }
        record.acceptedBy = agentID
        record.updatedAt = Date()
        try await store.update(record, on: connection, logger: logger)
        logger.info("callback offer accepted", metadata: ["callback_id": "\(record.idString)", "agent_id": "\(agentID)"])
    }

    /// `interaction.assigned`: the agent may link callbacks to the interaction from now on.
    func interactionAssigned(_ assigned: InteractionAssigned, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: assigned.interactionId), !assigned.agentId.isEmpty else {
            throw InvalidMessage("interaction_id must be a UUID and agent_id non-empty")
        }
        try await participants.add(interactionID: id, agentID: assigned.agentId, at: assigned.at, on: connection, logger: logger)
    }

    /// `contact.merged`: the source contact's callbacks now belong to the target contact
    /// (whatever their state, so history follows the merge too). Each changed callback
    /// emits `callback.rescheduled` with its new `contact_id`.
    func contactMerged(_ merge: ContactMerged, traceparent: String?, on connection: PostgresConnection) async throws {
        guard !merge.sourceId.isEmpty, !merge.targetId.isEmpty else { throw InvalidMessage("source_id and target_id are required") }
        guard merge.sourceId != merge.targetId else { return }
        let changed = try await store.repointContact(
            from: merge.sourceId, to: merge.targetId, mergeID: merge.id, at: Date(), on: connection, logger: logger
        )
        let events = try changed.map { record in try event(.callbackRescheduled, record, traceparent, record.view) }
        try await outbox.enqueue(events, on: connection, logger: logger)
        if !changed.isEmpty {
            logger.info("callbacks re-pointed after a contact merge", metadata: ["merge_id": "\(merge.id)", "count": "\(changed.count)"])
        }
    }

    /// `contact.unmerged`: the merge was undone, so the callbacks it re-pointed go back to
    /// the source contact (unless one was re-pointed again since); each emits
    /// `callback.rescheduled`.
    func contactUnmerged(_ unmerge: ContactUnmerged, traceparent: String?, on connection: PostgresConnection) async throws {
        guard !unmerge.id.isEmpty else { throw InvalidMessage("id (the merge) is required") }
        let changed = try await store.restoreContact(mergeID: unmerge.id, at: Date(), on: connection, logger: logger)
        let events = try changed.map { record in try event(.callbackRescheduled, record, traceparent, record.view) }
        try await outbox.enqueue(events, on: connection, logger: logger)
        if !changed.isEmpty {
            logger.info("callbacks given back after a merge was undone", metadata: ["merge_id": "\(unmerge.id)", "count": "\(changed.count)"])
        }
    }

    // MARK: Helpers

    /// Locks the callback and checks the caller may change it (404 when it may not see it).
    private func lockForChange(_ id: UUID, _ identity: Identity, on connection: PostgresConnection) async throws -> CallbackRecord {
        guard let record = try await store.lock(id, on: connection, logger: logger) else { throw CallbackError.notFound }
        switch access.change(identity, scheduledBy: record.scheduledBy, target: record.target, acceptedBy: record.acceptedBy) {
        case .notVisible: throw CallbackError.notFound
        case .forbidden: throw CallbackError.notAllowed
        case .allowed: return record
        }
    }

    private func event<Payload: Codable & Sendable>(
        _ type: EventType, _ record: CallbackRecord, _ traceparent: String?, _ data: Payload
    ) throws -> OutboxMessage {
        let interaction = record.interactionID?.uuidString.lowercased()
        return try OutboxMessage.event(
            type, service: "callback", subject: interaction, traceparent: traceparent, data: data,
            correlationID: interaction ?? record.idString
        )
    }

    /// Log metadata: ids only, never the phone number or notes (docs/architecture.md section 6).
    private static func metadata(_ record: CallbackRecord, _ traceparent: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "callback_id": "\(record.idString)", "state": "\(record.state.rawValue)",
            "due_at": "\(RFC3339.string(from: record.dueAt))",
        ]
        if let interaction = record.interactionID { metadata["interaction_id"] = "\(interaction.uuidString.lowercased())" }
        if let traceparent, let trace = TraceContext.traceID(of: traceparent) { metadata["trace_id"] = "\(trace)" }
        return metadata
    }
}
