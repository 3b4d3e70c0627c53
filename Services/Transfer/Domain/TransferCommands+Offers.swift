import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Offers: accepting, rejecting and expiring them, each deciding the race under the
/// routing lock.
extension TransferCommands {
    func accept(_ id: UUID, by identity: Identity, traceparent: String?, on connection: PostgresConnection) async throws -> Answer {
        try await store.lockRouting(on: connection, logger: logger)
        var offer = try await lockForAnswer(id, identity, on: connection)
        let now = try await store.now(on: connection, logger: logger)
        if offer.expiresAt <= now {
            try await expire(offer, now: now, traceparent: traceparent, on: connection)
            return .expired
        }
        guard let interactionID = offer.interactionID else {
            return try await acceptCallback(offer, now: now, traceparent: traceparent, on: connection)
        }
        guard var interaction = try await store.lockInteraction(interactionID, on: connection, logger: logger) else {
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
            // The source's desktop is told too (docs/architecture.md section 10.3).
            try await notify(
                NotificationRecord(
                    id: UUID(), agentID: transfer.fromAgentID, kind: .transferAccepted, transferID: transfer.id,
                    interactionID: transfer.interactionID, byAgent: AgentRef(id: offer.agentID, name: agentName),
                    text: NotificationKind.transferAccepted.text(target: agentName ?? offer.agentID), at: now
                ), on: connection)
            command = InteractionAssign(
                interactionId: interaction.idString, agentId: offer.agentID, agentName: agentName, expectedOwnerId: transfer.fromAgentID,
                reason: "transferred", transferId: transfer.idString
            )
        case .callback:
            throw CorruptTransferRow(detail: "callback offer \(offer.idString) about interaction \(Self.text(interactionID))")
        }
        interaction.assigningTo = offer.agentID
        interaction.updatedAt = now
        try await store.updateInteraction(interaction, on: connection, logger: logger)
        messages.append(try assignCommand(command, traceparent))
        try await emit(messages, on: connection, logger: logger)
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
    func expire(_ pending: OfferRecord, now: Date, traceparent: String?, on connection: PostgresConnection) async throws {
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
    /// interaction stays with the source, and the source gets a notification; for a
    /// callback offer, the callback waits for the next agent. Either way the agent's
    /// reservation is freed, so its queues are routed again.
    func unanswered(_ offer: OfferRecord, now: Date, traceparent: String?, on connection: PostgresConnection) async throws -> OfferPreview? {
        let rejected = offer.state == .rejected
        var interaction: InteractionProjection?
        if let interactionID = offer.interactionID {
            interaction = try await store.lockInteraction(interactionID, on: connection, logger: logger)
        }
        var messages = [try offerEvent(rejected ? .offerRejected : .offerExpired, offer, interaction?.preview, traceparent)]
        var queues = try await store.queues(ofAgent: offer.agentID, on: connection, logger: logger)
        switch offer.kind {
        case .callback:
            queues += try await callbackUnanswered(offer, now: now, on: connection)
        case .route:
            guard let interactionID = offer.interactionID else {
                throw CorruptTransferRow(detail: "route offer \(offer.idString) without interaction")
            }
            try await store.recordDecline(
                interactionID, agentID: offer.agentID, reason: rejected ? "rejected" : "expired", at: now, on: connection, logger: logger)
            if var waiting = interaction, waiting.state == .offered {
                waiting.state = .queued
                waiting.updatedAt = now
                try await store.updateInteraction(waiting, on: connection, logger: logger)
                interaction = waiting
                queues.append(waiting.queue)
            }
        case .transfer:
            if let transferID = offer.transferID, var transfer = try await store.lockTransfer(transferID, on: connection, logger: logger),
                transfer.state == .pending
            {
                transfer.state = rejected ? .rejected : .expired
                transfer.reason = rejected ? "rejected" : "expired"
                transfer.decidedAt = now
                try await store.updateTransfer(transfer, on: connection, logger: logger)
                messages.append(try transferEvent(rejected ? .transferRejected : .transferExpired, transfer, traceparent))
                let target = try await store.lockAgent(offer.agentID, on: connection, logger: logger)
                let kind: NotificationKind = rejected ? .transferRejected : .transferExpired
                try await notify(
                    NotificationRecord(
                        id: UUID(), agentID: transfer.fromAgentID, kind: kind, transferID: transfer.id, interactionID: transfer.interactionID,
                        byAgent: AgentRef(id: offer.agentID, name: target?.name), text: kind.text(target: target?.name ?? offer.agentID), at: now
                    ), on: connection)
            }
        }
        messages += try await route(queues: queues, agents: [offer.agentID], now: now, traceparent: traceparent, on: connection)
        try await emit(messages, on: connection, logger: logger)
        return interaction?.preview ?? offer.callback?.preview
    }

    /// Locks an offer its agent answers: 404 for an agent it was not made to; 403 for a
    /// supervisor or admin (they see offers, only the agent answers them); 409 once decided.
    func lockForAnswer(_ id: UUID, _ identity: Identity, on connection: PostgresConnection) async throws -> OfferRecord {
        guard let offer = try await store.lockOffer(id, on: connection, logger: logger) else { throw TransferError.notFound("The offer") }
        guard offer.agentID == identity.agentID else {
            if identity.canReadEverything { throw TransferError.notAllowed("Only the agent the offer was made to may answer it.") }
            throw TransferError.notFound("The offer")
        }
        switch offer.state {
        case .pending: return offer
        case .expired: throw TransferError.offerExpired
        case .accepted, .rejected, .withdrawn: throw TransferError.offerNotPending(offer.state)
        }
    }
}
