import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Every change of the transfer service, as one place that applies the rules: directory
/// and presence, routing offers, instant transfers, and the projection of session's
/// interaction events. Each operation runs inside the caller's transaction and writes its
/// events (and the `interaction.assign` command) to the outbox there, so all of it commits
/// or none does.
///
/// **Races are decided in one place.** Every operation that can create, decide or expire an
/// offer, start a transfer, or change presence, capacity or load first takes the routing
/// lock (a transaction-scoped advisory lock, ``TransferStore/lockRouting(on:logger:)``),
/// then locks the rows it changes (`FOR UPDATE`). Routing decisions therefore never
/// interleave, across requests, consumers, the expiry scheduler and service replicas, and
/// each sees the previous one's committed result:
/// - two accepts of one offer: the second finds it `accepted` → 409 `offer_not_pending`;
/// - an accept (or reject) after the offer expired: 409 `offer_expired`. An offer past its
///   `expires_at` that the scheduler has not claimed yet is expired right there, committed
///   (it goes to the next agent), and only then refused;
/// - a reject after an accept: 409 `offer_not_pending`;
/// - a transfer while another of the interaction is pending (or accepted and awaiting
///   session's `interaction.assigned`): 409 `transfer_pending` (a partial unique index
///   backs the rule).
/// Session applies `interaction.assign` only when the owner is still the expected one, so
/// even a command sent on stale knowledge never gives an interaction two owners.
///
/// **Routing is event-driven**: ``route(queues:now:traceparent:on:)`` runs for the queue of
/// a new arrival, and for an agent's queues when it goes Ready, its capacity or queues
/// change, its load decreases (close, transfer away, release to a queue) or one of its
/// offers is rejected or expires. No polling loop.
struct TransferCommands: Sendable {
    let store: any TransferStore
    let outbox: Outbox
    /// Who may see which interaction, from `interaction.assigned`.
    let participants: InteractionParticipants
    /// `SWITCHBOARD_OFFER_TIMEOUT`, seconds.
    let offerTimeout: Int
    let logger: Logger
    let selection = AgentSelection()

    static let service = "transfer"
    /// How many waiting interactions of a queue one routing pass looks at.
    static let routingBatch = 200

    enum Answer: Sendable {
        case answered(OfferView)
        /// The offer had expired; the expiry is committed, the caller gets 409 `offer_expired`.
        case expired
    }

    // MARK: Directory and presence

    func putAgent(id: String, name: String, queues: [String], capacity: Int, traceparent: String?, on connection: PostgresConnection) async throws -> AgentRecord {
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        let record = try await store.upsertAgent(id: id, name: name, queues: queues, capacity: capacity, at: now, on: connection, logger: logger)
        try await store.refreshLoad([id], on: connection, logger: logger)
        // More capacity or another queue: what waits there may now go to this agent.
        let messages = try await route(queues: record.queues, now: now, traceparent: traceparent, on: connection)
        try await outbox.enqueue(messages, on: connection, logger: logger)
        return try await store.lockAgent(id, on: connection, logger: logger) ?? record
    }

    func putQueue(_ queue: QueueRecord, on connection: PostgresConnection) async throws {
        try await store.upsertQueue(queue, at: Date(), on: connection, logger: logger)
    }

    func putRoutingPoint(_ point: RoutingPointRecord, on connection: PostgresConnection) async throws {
        try await store.upsertRoutingPoint(point, at: Date(), on: connection, logger: logger)
    }

    /// `PUT /v1/agents/{id}/presence`: the agent itself, or a supervisor or admin.
    func setPresence(agentID: String, ready: Bool, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> AgentRecord {
        guard identity.agentID == agentID || identity.canReadEverything else {
            throw TransferError.notAllowed("Only the agent itself, or a supervisor or admin, sets its presence.")
        }
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        guard let agent = try await store.setPresence(agentID, ready: ready, at: now, on: connection, logger: logger) else {
            throw TransferError.notFound("The agent")
        }
        if ready {
            try await outbox.enqueue(try await route(queues: agent.queues, now: now, traceparent: traceparent, on: connection), on: connection, logger: logger)
        }
        logger.info("presence changed", metadata: ["agent_id": "\(agentID)", "state": "\(ready ? "ready" : "not_ready")"])
        return agent
    }

    // MARK: Routing

    /// Offers the interactions waiting in `queues` (oldest first) to eligible agents
    /// (``AgentSelection``), as long as there are some. Returns the `offer.created` events.
    func route(queues: [String], now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        for queue in Set(queues).sorted() where !queue.isEmpty {
            // Agents first: with nobody free (a backlog, the busy case), an arrival costs one
            // small query, not a read of the queue's oldest waiting interactions.
            var candidates = try await store.candidates(queue: queue, on: connection, logger: logger)
            guard candidates.contains(where: { $0.spare > 0 }) else { continue }
            let waiting = try await store.waiting(queue: queue, limit: Self.routingBatch, on: connection, logger: logger)
            guard !waiting.isEmpty else { continue }
            for var interaction in waiting {
                guard candidates.contains(where: { $0.spare > 0 }) else { break }
                let declined = try await store.declined(interaction.id, on: connection, logger: logger)
                guard let chosen = selection.pick(from: candidates, queue: queue, declined: declined) else { continue }
                // A queue transfer shows who released it.
                let offer = OfferRecord(
                    id: UUID(), interactionID: interaction.id, agentID: chosen.id, kind: .route, state: .pending,
                    expiresAt: now.addingTimeInterval(TimeInterval(offerTimeout)),
                    fromAgentID: interaction.transferID == nil ? nil : interaction.ownerID,
                    fromAgentName: interaction.transferID == nil ? nil : interaction.ownerName,
                    transferID: interaction.transferID, createdAt: now, decidedAt: nil
                )
                try await store.insertOffer(offer, on: connection, logger: logger)
                interaction.state = .offered
                interaction.updatedAt = now
                try await store.updateInteraction(interaction, on: connection, logger: logger)
                if let index = candidates.firstIndex(where: { $0.id == chosen.id }) { candidates[index].reserved += 1 }
                messages.append(try offerEvent(.offerCreated, offer, interaction.preview, traceparent))
                TransferMetrics.offered(kind: .route)
                logger.info("offer created", metadata: Self.metadata(offer))
            }
        }
        return messages
    }

    // MARK: Offers

    func accept(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> Answer {
        try await store.lockRouting(on: connection, logger: logger)
        var offer = try await lockForAnswer(id, identity, on: connection)
        let now = try await store.now(on: connection, logger: logger)
        if offer.expiresAt <= now {
            try await expire(offer, now: now, traceparent: traceparent, on: connection)
            return .expired
        }
        guard var interaction = try await store.lockInteraction(offer.interactionID, on: connection, logger: logger) else {
            throw TransferError.notFound("The interaction")
        }
        guard interaction.state != .closed else { throw TransferError.interactionClosed }
        guard let next = offer.state.accepted() else { throw TransferError.offerNotPending(offer.state) }
        offer.state = next
        offer.decidedAt = now
        try await store.updateOffer(offer, on: connection, logger: logger)
        let agentName = try await store.lockAgent(offer.agentID, on: connection, logger: logger)?.name ?? identity.name
        var messages = [try offerEvent(.offerAccepted, offer, interaction.preview, traceparent)]
        let command: InteractionAssign
        switch offer.kind {
        case .route:
            // A new arrival has no owner; one transferred to a queue is still the source's
            // in session until this accept moves it.
            command = InteractionAssign(
                interactionId: interaction.idString, agentId: offer.agentID, agentName: agentName, expectedOwnerId: interaction.ownerID,
                reason: interaction.transferID == nil ? "routed" : "transferred", transferId: interaction.transferID.map(Self.text)
            )
            interaction.state = .assigning
        case .transfer:
            guard let transferID = offer.transferID, var transfer = try await store.lockTransfer(transferID, on: connection, logger: logger) else {
                throw CorruptTransferRow(detail: "transfer offer \(offer.idString) without its transfer")
            }
            transfer.state = .accepted
            transfer.reason = "accepted"
            transfer.decidedAt = now
            try await store.updateTransfer(transfer, on: connection, logger: logger)
            messages.append(try transferEvent(.transferAccepted, transfer, traceparent))
            command = InteractionAssign(
                interactionId: interaction.idString, agentId: offer.agentID, agentName: agentName, expectedOwnerId: transfer.fromAgentID,
                reason: "transferred", transferId: transfer.idString
            )
        }
        interaction.assigningTo = offer.agentID
        interaction.updatedAt = now
        try await store.updateInteraction(interaction, on: connection, logger: logger)
        messages.append(try assignCommand(command, traceparent))
        try await outbox.enqueue(messages, on: connection, logger: logger)
        TransferMetrics.answered(kind: offer.kind, outcome: .accepted)
        logger.info("offer accepted", metadata: Self.metadata(offer))
        return .answered(offer.view(preview: interaction.preview))
    }

    func reject(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> Answer {
        try await store.lockRouting(on: connection, logger: logger)
        var offer = try await lockForAnswer(id, identity, on: connection)
        let now = try await store.now(on: connection, logger: logger)
        if offer.expiresAt <= now {
            try await expire(offer, now: now, traceparent: traceparent, on: connection)
            return .expired
        }
        guard let next = offer.state.rejected() else { throw TransferError.offerNotPending(offer.state) }
        offer.state = next
        offer.decidedAt = now
        try await store.updateOffer(offer, on: connection, logger: logger)
        let preview = try await unanswered(offer, now: now, traceparent: traceparent, on: connection)
        TransferMetrics.answered(kind: offer.kind, outcome: .rejected)
        logger.info("offer rejected", metadata: Self.metadata(offer))
        return .answered(offer.view(preview: preview))
    }

    /// The expiry timers: claims pending offers past `expires_at` (by the database's clock,
    /// `FOR UPDATE SKIP LOCKED`) and expires them, all in the caller's transaction.
    func expireDue(limit: Int, on connection: PostgresConnection) async throws -> [OfferRecord] {
        try await store.lockRouting(on: connection, logger: logger)
        let (now, claimed) = try await store.claimExpired(limit: limit, on: connection, logger: logger)
        for offer in claimed {
            try await expire(offer, now: now, traceparent: TraceContext.newTraceparent(), on: connection)
        }
        return claimed
    }

    /// Expires one pending offer: `offer.expired`, then as a rejection.
    private func expire(_ pending: OfferRecord, now: Date, traceparent: String?, on connection: PostgresConnection) async throws {
        var offer = pending
        guard let next = offer.state.expired() else { return }
        offer.state = next
        offer.decidedAt = now
        try await store.updateOffer(offer, on: connection, logger: logger)
        _ = try await unanswered(offer, now: now, traceparent: traceparent, on: connection)
        TransferMetrics.answered(kind: offer.kind, outcome: .expired)
        logger.info("offer expired", metadata: Self.metadata(offer))
    }

    /// What follows a rejected or expired offer (already updated): its event; for a route
    /// offer, the decline is recorded and the interaction goes back to its queue, to the
    /// next agent; for a transfer offer, the transfer ends `rejected`/`expired`, the
    /// interaction stays with the source, and the source gets a notification. Either way the
    /// agent's reservation is freed, so its queues are routed again.
    private func unanswered(_ offer: OfferRecord, now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> OfferPreview? {
        let rejected = offer.state == .rejected
        var interaction = try await store.lockInteraction(offer.interactionID, on: connection, logger: logger)
        var messages = [try offerEvent(rejected ? .offerRejected : .offerExpired, offer, interaction?.preview, traceparent)]
        var queues = try await store.queues(ofAgent: offer.agentID, on: connection, logger: logger)
        switch offer.kind {
        case .route:
            try await store.recordDecline(offer.interactionID, agentID: offer.agentID, reason: rejected ? "rejected" : "expired", at: now, on: connection, logger: logger)
            if var waiting = interaction, waiting.state == .offered {
                waiting.state = .queued
                waiting.updatedAt = now
                try await store.updateInteraction(waiting, on: connection, logger: logger)
                interaction = waiting
                queues.append(waiting.queue)
            }
        case .transfer:
            if let transferID = offer.transferID, var transfer = try await store.lockTransfer(transferID, on: connection, logger: logger),
               transfer.state == .pending {
                transfer.state = rejected ? .rejected : .expired
                transfer.reason = rejected ? "rejected" : "expired"
                transfer.decidedAt = now
                try await store.updateTransfer(transfer, on: connection, logger: logger)
                messages.append(try transferEvent(rejected ? .transferRejected : .transferExpired, transfer, traceparent))
                let target = try await store.lockAgent(offer.agentID, on: connection, logger: logger)
                let kind: NotificationKind = rejected ? .transferRejected : .transferExpired
                try await store.insertNotification(NotificationRecord(
                    id: UUID(), agentID: transfer.fromAgentID, kind: kind, transferID: transfer.id, interactionID: transfer.interactionID,
                    byAgent: AgentRef(id: offer.agentID, name: target?.name), text: kind.text(target: target?.name ?? offer.agentID), at: now
                ), on: connection, logger: logger)
            }
        }
        messages += try await route(queues: queues, now: now, traceparent: traceparent, on: connection)
        try await outbox.enqueue(messages, on: connection, logger: logger)
        return interaction?.preview
    }

    /// Locks an offer its agent answers: 404 for an agent it was not made to; 403 for a
    /// supervisor or admin (they see offers, only the agent answers them); 409 once decided.
    private func lockForAnswer(_ id: UUID, _ identity: Identity, on connection: PostgresConnection) async throws -> OfferRecord {
        guard let offer = try await store.lockOffer(id, on: connection, logger: logger) else { throw TransferError.notFound("The offer") }
        guard offer.agentID == identity.agentID else {
            if identity.canReadEverything { throw TransferError.notAllowed("Only the agent the offer was made to may answer it.") }
            throw TransferError.notFound("The offer")
        }
        switch offer.state {
        case .pending: return offer
        case .expired: throw TransferError.offerExpired
        case .accepted, .rejected: throw TransferError.offerNotPending(offer.state)
        }
    }

    // MARK: Instant transfer

    func requestTransfer(
        interactionID: UUID, target: TransferTarget, note: String?, by identity: Identity, traceparent: String?,
        on connection: PostgresConnection
    ) async throws -> TransferRecord {
        try await store.lockRouting(on: connection, logger: logger)
        guard var interaction = try await store.lockInteraction(interactionID, on: connection, logger: logger) else {
            throw TransferError.notFound("The interaction")
        }
        // "Not yours" looks like "does not exist": 403 only for a caller who may see it.
        if interaction.ownerID != identity.agentID, !identity.canReadEverything,
           try await !participants.contains(interactionID: interactionID, agentID: identity.agentID, on: connection, logger: logger) {
            throw TransferError.notFound("The interaction")
        }
        guard interaction.state != .closed else { throw TransferError.interactionClosed }
        guard interaction.state == .active, interaction.ownerID == identity.agentID else { throw TransferError.notOwner }
        if interaction.assigningTo != nil { throw TransferError.transferPending }
        if try await store.lockPendingTransfer(interaction: interactionID, on: connection, logger: logger) != nil {
            throw TransferError.transferPending
        }
        let now = try await store.now(on: connection, logger: logger)
        var transfer = TransferRecord(
            id: UUID(), interactionID: interactionID, fromAgentID: identity.agentID, fromAgentName: interaction.ownerName ?? identity.name,
            target: target, targetQueue: nil, note: note, state: .pending, reason: nil, createdAt: now, decidedAt: nil
        )
        var messages: [OutboxMessage] = []
        switch target.type {
        case .agent:
            guard target.id != identity.agentID else { throw TransferError.invalid("target is the interaction's owner already") }
            guard let agent = try await store.lockAgent(target.id, on: connection, logger: logger),
                  let candidate = try await store.candidate(target.id, on: connection, logger: logger)
            else { throw TransferError.unknownTarget("target agent \(target.id) does not exist") }
            guard candidate.ready, candidate.spare > 0 else {
                throw TransferError.targetUnavailable("\(agent.name) is not Ready for SMS or has no spare capacity.")
            }
            try await store.insertTransfer(transfer, on: connection, logger: logger)
            let offer = OfferRecord(
                id: UUID(), interactionID: interactionID, agentID: agent.id, kind: .transfer, state: .pending,
                expiresAt: now.addingTimeInterval(TimeInterval(offerTimeout)), fromAgentID: identity.agentID,
                fromAgentName: transfer.fromAgentName, transferID: transfer.id, createdAt: now, decidedAt: nil
            )
            try await store.insertOffer(offer, on: connection, logger: logger)
            messages.append(try transferEvent(.transferRequested, transfer, traceparent))
            messages.append(try offerEvent(.offerCreated, offer, interaction.preview, traceparent))
            TransferMetrics.offered(kind: .transfer)
        case .queue, .routingPoint:
            let queue: String
            if target.type == .queue {
                guard let found = try await store.queue(target.id, on: connection, logger: logger) else {
                    throw TransferError.unknownTarget("target queue \(target.id) does not exist")
                }
                queue = found.id
            } else {
                guard let point = try await store.routingPoint(target.id, on: connection, logger: logger) else {
                    throw TransferError.unknownTarget("target routing point \(target.id) does not exist")
                }
                queue = point.queue
            }
            // The source releases it: recorded as completed, and the interaction re-enters
            // the target queue as a new arrival (fresh declines; the source itself is
            // excluded: it just gave the interaction away).
            transfer.targetQueue = queue
            transfer.state = .completed
            transfer.reason = "requeued"
            transfer.decidedAt = now
            try await store.insertTransfer(transfer, on: connection, logger: logger)
            interaction.state = .queued
            interaction.queue = queue
            interaction.transferID = transfer.id
            interaction.queuedAt = now
            interaction.updatedAt = now
            try await store.updateInteraction(interaction, on: connection, logger: logger)
            try await store.clearDeclines(interactionID, on: connection, logger: logger)
            try await store.recordDecline(interactionID, agentID: identity.agentID, reason: "released", at: now, on: connection, logger: logger)
            try await store.refreshLoad([identity.agentID], on: connection, logger: logger)
            try await store.markAssignmentEnded(identity.agentID, at: now, on: connection, logger: logger)
            messages.append(try transferEvent(.transferRequested, transfer, traceparent))
            messages.append(try transferEvent(.transferCompleted, transfer, traceparent))
            let sourceQueues = try await store.queues(ofAgent: identity.agentID, on: connection, logger: logger)
            messages += try await route(queues: [queue] + sourceQueues, now: now, traceparent: traceparent, on: connection)
        }
        try await outbox.enqueue(messages, on: connection, logger: logger)
        TransferMetrics.transferred(target: target.type)
        logger.info("transfer requested", metadata: [
            "transfer_id": "\(transfer.idString)", "interaction_id": "\(interaction.idString)", "target_type": "\(target.type.rawValue)",
            "state": "\(transfer.state.rawValue)",
        ])
        return transfer
    }

    // MARK: From session's events

    /// `interaction.created`: the interaction enters its queue and is routed.
    func created(_ event: InteractionCreated, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.queue.isEmpty else { throw InvalidMessage("queue is empty") }
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        let projection = try await store.recordCreated(InteractionProjection(
            id: id, queue: event.queue, state: .queued, ownerID: nil, ownerName: nil, assigningTo: nil, transferID: nil,
            fromNumber: event.from, origin: event.origin, mode: event.mode, media: event.media, previewText: nil, caseData: [:],
            queuedAt: event.createdAt, createdAt: event.createdAt, updatedAt: now, closedAt: nil
        ), on: connection, logger: logger)
        guard projection.state == .queued else { return }
        try await outbox.enqueue(try await route(queues: [projection.queue], now: now, traceparent: traceparent, on: connection), on: connection, logger: logger)
    }

    /// `interaction.assigned`: the new owner's load +1, the previous owner's −1 (both
    /// recounted from the projection); a pending offer or transfer the assignment made moot
    /// ends `expired`; the previous owner's queues are routed again.
    func assigned(_ event: InteractionAssigned, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.agentId.isEmpty else { throw InvalidMessage("agent_id is empty") }
        try await store.lockRouting(on: connection, logger: logger)
        try await participants.add(interactionID: id, agentID: event.agentId, at: event.at, on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        var interaction: InteractionProjection
        if let existing = try await store.lockInteraction(id, on: connection, logger: logger) {
            interaction = existing
        } else {
            // Assigned before its interaction.created reached us: kept; created fills the rest.
            interaction = InteractionProjection(
                id: id, queue: "", state: .active, ownerID: nil, ownerName: nil, assigningTo: nil, transferID: nil, fromNumber: nil,
                origin: nil, mode: nil, media: nil, previewText: nil, caseData: [:], queuedAt: nil, createdAt: event.at, updatedAt: now,
                closedAt: nil
            )
            try await store.insertInteraction(interaction, on: connection, logger: logger)
        }
        guard interaction.state != .closed else { return }
        let previous = Set([interaction.ownerID, event.previousOwnerId].compactMap { $0 }).subtracting([event.agentId])
        var freed = Set(previous)
        interaction.state = .active
        interaction.ownerID = event.agentId
        interaction.ownerName = event.agentName
        if let assigning = interaction.assigningTo, assigning != event.agentId { freed.insert(assigning) }
        interaction.assigningTo = nil
        interaction.transferID = nil
        interaction.updatedAt = now
        try await store.updateInteraction(interaction, on: connection, logger: logger)

        var messages = try await endPending(interaction, reason: "owner_changed", now: now, traceparent: traceparent, freed: &freed, on: connection)
        try await store.refreshLoad(Array(previous) + [event.agentId], on: connection, logger: logger)
        try await store.markAssigned(event.agentId, at: now, on: connection, logger: logger)
        for agent in previous { try await store.markAssignmentEnded(agent, at: now, on: connection, logger: logger) }
        var queues: [String] = []
        for agent in freed.sorted() { queues += try await store.queues(ofAgent: agent, on: connection, logger: logger) }
        messages += try await route(queues: queues, now: now, traceparent: traceparent, on: connection)
        try await outbox.enqueue(messages, on: connection, logger: logger)
    }

    /// `interaction.closed`: the owner's load −1; pending offers and transfers end
    /// `expired` (no notification: the source closed it itself); queues routed again.
    func closed(_ event: InteractionClosed, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        try await store.lockRouting(on: connection, logger: logger)
        let now = try await store.now(on: connection, logger: logger)
        guard var interaction = try await store.lockInteraction(id, on: connection, logger: logger) else {
            // Closed before its interaction.created reached us (a redelivery or another
            // replica overtook it): kept closed, so the late created never routes it.
            try await store.insertInteraction(InteractionProjection(
                id: id, queue: "", state: .closed, ownerID: event.ownerId, ownerName: nil, assigningTo: nil, transferID: nil,
                fromNumber: event.from, origin: nil, mode: event.mode, media: nil, previewText: nil, caseData: [:], queuedAt: nil,
                createdAt: event.closedAt, updatedAt: now, closedAt: event.closedAt
            ), on: connection, logger: logger)
            return
        }
        guard interaction.state != .closed else { return }
        let owner = interaction.ownerID ?? event.ownerId
        var freed = Set([owner, interaction.assigningTo].compactMap { $0 })
        interaction.state = .closed
        interaction.closedAt = event.closedAt
        interaction.assigningTo = nil
        interaction.updatedAt = now
        try await store.updateInteraction(interaction, on: connection, logger: logger)
        var messages = try await endPending(interaction, reason: "interaction_closed", now: now, traceparent: traceparent, freed: &freed, on: connection)
        if let owner {
            try await store.refreshLoad([owner], on: connection, logger: logger)
            try await store.markAssignmentEnded(owner, at: now, on: connection, logger: logger)
        }
        var queues: [String] = []
        for agent in freed.sorted() { queues += try await store.queues(ofAgent: agent, on: connection, logger: logger) }
        messages += try await route(queues: queues, now: now, traceparent: traceparent, on: connection)
        try await outbox.enqueue(messages, on: connection, logger: logger)
    }

    /// Ends the pending offer and transfer of an interaction that was assigned by other
    /// means or closed: both `expired` with `reason`, no decline recorded.
    private func endPending(
        _ interaction: InteractionProjection, reason: String, now: Date, traceparent: String?, freed: inout Set<String>,
        on connection: PostgresConnection
    ) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        if var offer = try await store.lockPendingOffer(interaction: interaction.id, on: connection, logger: logger), let next = offer.state.expired() {
            offer.state = next
            offer.decidedAt = now
            try await store.updateOffer(offer, on: connection, logger: logger)
            messages.append(try offerEvent(.offerExpired, offer, interaction.preview, traceparent))
            freed.insert(offer.agentID)
        }
        if var transfer = try await store.lockPendingTransfer(interaction: interaction.id, on: connection, logger: logger) {
            transfer.state = .expired
            transfer.reason = reason
            transfer.decidedAt = now
            try await store.updateTransfer(transfer, on: connection, logger: logger)
            messages.append(try transferEvent(.transferExpired, transfer, traceparent))
        }
        return messages
    }

    // MARK: Messages

    private func offerEvent(_ type: EventType, _ offer: OfferRecord, _ preview: OfferPreview?, _ traceparent: String?) throws -> OutboxMessage {
        try OutboxMessage.event(
            type, service: Self.service, subject: Self.text(offer.interactionID), traceparent: traceparent, data: offer.view(preview: preview)
        )
    }

    private func transferEvent(_ type: EventType, _ transfer: TransferRecord, _ traceparent: String?) throws -> OutboxMessage {
        try OutboxMessage.event(type, service: Self.service, subject: Self.text(transfer.interactionID), traceparent: traceparent, data: transfer.view)
    }

    /// The command `interaction.assign` (DESIGN.md section 3), mandatory: a broker that
    /// cannot route it returns it and the relay retries, so it is never silently dropped.
    private func assignCommand(_ command: InteractionAssign, _ traceparent: String?) throws -> OutboxMessage {
        OutboxMessage(
            messageID: UUID().uuidString.lowercased(), exchange: SwitchboardTopology.commandsExchange,
            routingKey: "session.interaction.assign", type: "interaction.assign", contentType: "application/json",
            correlationID: command.interactionId, traceparent: traceparent ?? TraceContext.newTraceparent(), mandatory: true,
            body: try SwitchboardJSON.encoder().encode(command)
        )
    }

    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    private static func metadata(_ offer: OfferRecord) -> Logger.Metadata {
        [
            "offer_id": "\(offer.idString)", "interaction_id": "\(text(offer.interactionID))", "agent_id": "\(offer.agentID)",
            "kind": "\(offer.kind.rawValue)", "state": "\(offer.state.rawValue)",
        ]
    }
}
