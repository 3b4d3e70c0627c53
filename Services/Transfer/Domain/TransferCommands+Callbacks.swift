import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Due SMS callbacks reach a person (docs/architecture.md section 10.3). `callback.due`
/// puts the callback in `transfer.callbacks`, waiting; routing offers it (an offer of kind
/// `callback`) to its target agent, or to the longest-idle available agent of its target
/// queue, with the same capacity rules as an interaction (``AgentSelection``). A rejected or
/// expired offer goes to the next agent; an agent who declined is not offered it again for
/// this firing. Accepting does not assign anything: the agent texts the customer with an
/// agent-initiated conversation and completes the callback in the callback service, whose
/// `callback.completed` (or `.cancelled`, `.rescheduled`) ends it here and withdraws an offer
/// still pending. Routing runs under the routing lock, like every other routing decision.
extension TransferCommands {
    /// How many waiting callbacks one routing pass looks at.
    static let callbackRoutingBatch = 50

    /// `callback.due` for an SMS callback. A firing still here from before (rescheduled
    /// after it fell due, and due again) is withdrawn first. One no later than the firing
    /// held is ignored: `callback.due` starts a firing and each firing's due time is later
    /// than the one before, so it is a late event of an earlier firing (several replicas
    /// apply a callback's events in any order) and must not replace the current one.
    func callbackDue(_ payload: CallbackEventPayload, id: UUID, traceparent: String?, on connection: PostgresConnection) async throws {
        try await lockRoutingForEvent(on: connection)
        if let held = try await store.lockCallback(id, on: connection, logger: logger), Self.notLater(payload.dueAt, than: held.summary.dueAt) {
            logger.info("callback.due no later than the firing held; ignored", metadata: ["callback_id": "\(payload.id)"])
            return
        }
        try await fire(payload, id: id, traceparent: traceparent, on: connection)
    }

    /// A new firing of the callback: whatever is held of it withdrawn, then waiting, routed.
    private func fire(_ payload: CallbackEventPayload, id: UUID, traceparent: String?, on connection: PostgresConnection) async throws {
        let now = try await store.now(on: connection, logger: logger)
        var messages = try await withdrawCallback(id, now: now, traceparent: traceparent, on: connection)
        let record = DueCallbackRecord(
            id: id, summary: payload.summary, state: .waiting, declined: [], acceptedBy: nil, firedAt: now, updatedAt: now)
        try await store.insertCallback(record, on: connection, logger: logger)
        let target = payload.target
        messages += try await routeCallbacks(
            queues: target.type == "queue" ? [target.id] : [], agents: target.type == "agent" ? [target.id] : [], now: now,
            traceparent: traceparent, on: connection)
        try await emit(messages, on: connection, logger: logger)
        logger.info("callback due", metadata: ["callback_id": "\(payload.id)", "target": "\(target.type):\(target.id)"])
    }

    /// `callback.completed`, `callback.cancelled` or `callback.rescheduled`: the callback no
    /// longer waits for a person here. A pending offer of it is withdrawn (its desktop is
    /// shown `withdrawn`) and its agent's capacity goes back to routing.
    func callbackSettled(_ id: UUID, traceparent: String?, on connection: PostgresConnection) async throws {
        try await lockRoutingForEvent(on: connection)
        let now = try await store.now(on: connection, logger: logger)
        try await emit(try await withdrawCallback(id, now: now, traceparent: traceparent, on: connection), on: connection, logger: logger)
    }

    /// `callback.rescheduled`. A new due time (the callback `scheduled` again) ends this
    /// firing, as ``callbackSettled(_:traceparent:on:)`` does: it is offered again when it
    /// falls due again. But the event also says a callback that stays `due` changed — its
    /// notes or target edited, or its contact re-pointed by a merge — and such a callback
    /// must still reach a person:
    /// - same target: the summary kept here, and the copy a pending offer shows, are brought
    ///   up to date (the desktop sees it when it reads its offers again); its state
    ///   (waiting, offered, accepted) and declines stay;
    /// - a new target: it is fired anew for that target (a pending offer withdrawn, the
    ///   declines forgotten), which is how section 10.3 lets a supervisor hand a callback
    ///   every candidate declined to someone else;
    /// - not held here (a firing this service never saw, or lost): it is taken in as due now.
    ///
    /// With several replicas the events of one callback can be applied out of order, and a
    /// firing's due time tells them apart (a new due time is never in the past, so each
    /// firing's is later than the one before):
    /// - a `scheduled` one whose due time is no later than that of the firing held here is
    ///   older than that firing (a callback rescheduled a few seconds ahead can have its new
    ///   `callback.due` applied first), and leaves it alone;
    /// - a `due` one with an earlier due time than the firing held belongs to an earlier
    ///   firing, and is ignored.
    func callbackChanged(_ payload: CallbackEventPayload, id: UUID, traceparent: String?, on connection: PostgresConnection) async throws {
        guard payload.state == "due", payload.isForTheDesk else {
            if payload.state == "scheduled" {
                try await lockRoutingForEvent(on: connection)
                if let held = try await store.lockCallback(id, on: connection, logger: logger),
                    Self.notLater(payload.dueAt, than: held.summary.dueAt)
                {
                    logger.info("callback.rescheduled older than the firing held; left alone", metadata: ["callback_id": "\(payload.id)"])
                    return
                }
            }
            try await callbackSettled(id, traceparent: traceparent, on: connection)
            return
        }
        try await lockRoutingForEvent(on: connection)
        let found = try await store.lockCallback(id, on: connection, logger: logger)
        if let found, !Self.sameFiring(found.summary.dueAt, payload.dueAt), Self.notLater(payload.dueAt, than: found.summary.dueAt) {
            logger.info("callback.rescheduled of an earlier firing; ignored", metadata: ["callback_id": "\(payload.id)"])
            return
        }
        guard var held = found, held.summary.target == payload.target, Self.sameFiring(held.summary.dueAt, payload.dueAt) else {
            try await fire(payload, id: id, traceparent: traceparent, on: connection)
            return
        }
        held.summary = payload.summary
        held.updatedAt = try await store.now(on: connection, logger: logger)
        try await store.updateCallbackSummary(held, on: connection, logger: logger)
        logger.info("due callback changed", metadata: ["callback_id": "\(payload.id)"])
    }

    /// Two due times of one firing. Events carry them to the millisecond, written from the
    /// request's value or from the stored row (microseconds), so they may differ by 1 ms;
    /// two firings are seconds apart.
    static func sameFiring(_ a: Date, _ b: Date) -> Bool {
        abs(a.timeIntervalSince(b)) < 0.002
    }

    /// `a` is the same firing's due time as `b`, or earlier.
    static func notLater(_ a: Date, than b: Date) -> Bool {
        sameFiring(a, b) || a < b
    }

    /// Offers the waiting callbacks for `queues` and `agents` to available agents.
    func routeCallbacks(
        queues: [String], agents: [String], now: Date, traceparent: String?, on connection: PostgresConnection
    ) async throws
        -> [OutboxMessage]
    {
        let queues = queues.filter { !$0.isEmpty }
        guard !queues.isEmpty || !agents.isEmpty else { return [] }
        let waiting = try await store.waitingCallbacks(
            queues: queues, agents: agents, limit: Self.callbackRoutingBatch, on: connection, logger: logger)
        var messages: [OutboxMessage] = []
        // Each target's candidates read once per pass, not once per callback (the pass runs
        // under the routing lock: a callback nobody can take cost a statement on every
        // routing pass), and kept current here as offers are made.
        var candidatesOf: [CallbackSummary.Target: [AgentSelection.Candidate]] = [:]
        for var callback in waiting {
            let target = callback.summary.target
            let candidates: [AgentSelection.Candidate]
            if let known = candidatesOf[target] {
                candidates = known
            } else {
                candidates =
                    target.type == "queue"
                    ? try await store.candidates(queue: target.id, on: connection, logger: logger)
                    : try await store.candidate(target.id, on: connection, logger: logger).map { [$0] } ?? []
                candidatesOf[target] = candidates
            }
            guard let chosen = selection.pick(forCallbackTo: target, from: candidates, declined: callback.declined),
                let next = callback.state.offered()
            else { continue }
            for (known, list) in candidatesOf {
                candidatesOf[known] = list.map { candidate in
                    var candidate = candidate
                    if candidate.id == chosen.id { candidate.reserved += 1 }
                    return candidate
                }
            }
            let offer = OfferRecord(
                id: UUID(), interactionID: nil, agentID: chosen.id, kind: .callback, state: .pending,
                expiresAt: now.addingTimeInterval(TimeInterval(offerTimeout)), fromAgentID: nil, fromAgentName: nil, transferID: nil,
                createdAt: now, decidedAt: nil, callback: callback.summary)
            try await store.insertOffer(offer, on: connection, logger: logger)
            callback.state = next
            callback.updatedAt = now
            try await store.updateCallback(callback, on: connection, logger: logger)
            messages.append(try offerEvent(.offerCreated, offer, nil, traceparent))
            TransferMetrics.offered(kind: .callback)
            logger.info("offer created", metadata: Self.metadata(offer))
        }
        return messages
    }

    /// An agent accepts a callback offer: the callback is its to call back.
    func acceptCallback(_ pending: OfferRecord, now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> Answer {
        var offer = pending
        guard let callbackID = offer.callback.flatMap({ UUID(uuidString: $0.id) }),
            var callback = try await store.lockCallback(callbackID, on: connection, logger: logger),
            let taken = callback.state.accepted()
        else { throw CorruptTransferRow(detail: "pending callback offer \(offer.idString) without its offered callback") }
        guard let next = offer.state.accepted() else { throw TransferError.offerNotPending(offer.state) }
        offer.state = next
        offer.decidedAt = now
        try await store.updateOffer(offer, on: connection, logger: logger)
        callback.state = taken
        callback.acceptedBy = offer.agentID
        callback.updatedAt = now
        try await store.updateCallback(callback, on: connection, logger: logger)
        try await emit([try offerEvent(.offerAccepted, offer, nil, traceparent)], on: connection, logger: logger)
        TransferMetrics.answered(kind: .callback, outcome: .accepted)
        logger.info("offer accepted", metadata: Self.metadata(offer))
        return .answered(offer.view(preview: nil))
    }

    /// A callback offer was rejected or expired (already updated): the callback waits for
    /// the next agent, never this one again. Returns the queue to route it in, if any.
    func callbackUnanswered(_ offer: OfferRecord, now: Date, on connection: PostgresConnection) async throws -> [String] {
        guard let callbackID = offer.callback.flatMap({ UUID(uuidString: $0.id) }),
            var callback = try await store.lockCallback(callbackID, on: connection, logger: logger),
            let next = callback.state.returned()
        else { return [] }
        callback.state = next
        callback.declined.insert(offer.agentID)
        callback.updatedAt = now
        try await store.updateCallback(callback, on: connection, logger: logger)
        return callback.summary.target.type == "queue" ? [callback.summary.target.id] : []
    }

    /// Removes a callback from transfer; a pending offer of it is withdrawn and its agent's
    /// queues are routed again.
    private func withdrawCallback(_ id: UUID, now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> [OutboxMessage] {
        guard try await store.lockCallback(id, on: connection, logger: logger) != nil else { return [] }
        let pending = try await store.lockPendingOffer(callback: id, on: connection, logger: logger)
        try await store.deleteCallback(id, on: connection, logger: logger)
        guard var offer = pending, let next = offer.state.withdrawn() else { return [] }
        offer.state = next
        offer.decidedAt = now
        try await store.updateOffer(offer, on: connection, logger: logger)
        TransferMetrics.answered(kind: .callback, outcome: .withdrawn)
        logger.info("offer withdrawn", metadata: Self.metadata(offer))
        let queues = try await store.queues(ofAgent: offer.agentID, on: connection, logger: logger)
        return [try offerEvent(.offerWithdrawn, offer, nil, traceparent)]
            + (try await route(queues: queues, agents: [offer.agentID], now: now, traceparent: traceparent, on: connection))
    }
}
