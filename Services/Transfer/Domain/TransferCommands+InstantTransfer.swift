import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Instant transfers of an interaction to an agent, a queue or a routing point.
extension TransferCommands {
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
            try await !participants.contains(interactionID: interactionID, agentID: identity.agentID, on: connection, logger: logger)
        {
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
            // The source's capacity was freed: named, so that a callback waiting for it is
            // offered even when none of the queues has an agent with room.
            let sourceQueues = try await store.queues(ofAgent: identity.agentID, on: connection, logger: logger)
            messages += try await route(
                queues: [queue] + sourceQueues, agents: [identity.agentID], now: now, traceparent: traceparent, on: connection)
        }
        try await emit(messages, on: connection, logger: logger)
        TransferMetrics.transferred(target: target.type)
        logger.info(
            "transfer requested",
            metadata: [
                "transfer_id": "\(transfer.idString)", "interaction_id": "\(interaction.idString)", "target_type": "\(target.type.rawValue)",
                "state": "\(transfer.state.rawValue)",
            ])
        return transfer
    }
}
