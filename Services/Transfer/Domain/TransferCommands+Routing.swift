import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Routing: offering the interactions waiting in a queue to eligible agents.
extension TransferCommands {
    /// Offers the interactions waiting in `queues` (oldest first) to eligible agents
    /// (``AgentSelection``), as long as there are some, then the due callbacks waiting for
    /// `queues`, for their members or for `agents` (the agents whose capacity a change
    /// freed): a waiting customer comes before a callback. Returns the `offer.created` events.
    func route(
        queues: [String], agents: [String] = [], now: Date, traceparent: String?, on connection: PostgresConnection
    ) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        var roomLeft = false
        for queue in Set(queues).sorted() where !queue.isEmpty {
            // Agents first: with nobody free (a backlog, the busy case), an arrival costs one
            // small query, not a read of the queue's oldest waiting interactions.
            var candidates = try await store.candidates(queue: queue, on: connection, logger: logger)
            // Page by page, each as large as the room left: a pass reads and locks the
            // interactions it may offer, not the queue's backlog, and none that every agent
            // with room declined (``PostgresTransferStore/waiting(queue:offerableTo:excluding:limit:on:logger:)``);
            // up to ``routingBatch`` interactions a pass, counting only those.
            var seen: [UUID] = []
            while seen.count < Self.routingBatch {
                let room = candidates.reduce(0) { $0 + $1.spare }
                guard room > 0 else { break }
                let pageSize = min(room, Self.routingBatch - seen.count)
                let page = try await store.waiting(
                    queue: queue, offerableTo: candidates.filter { $0.spare > 0 }.map(\.id), excluding: seen, limit: pageSize,
                    on: connection, logger: logger)
                seen += page.map(\.interaction.id)
                for (interaction, declined) in page {
                    guard let chosen = selection.pick(from: candidates, queue: queue, declined: declined) else { continue }
                    messages.append(try await offer(interaction, to: chosen.id, now: now, traceparent: traceparent, on: connection))
                    if let index = candidates.firstIndex(where: { $0.id == chosen.id }) { candidates[index].reserved += 1 }
                }
                if page.count < pageSize { break }
            }
            if candidates.contains(where: { $0.spare > 0 }) { roomLeft = true }
        }
        // A callback of these queues, or of an agent of theirs, needs a Ready member with
        // room; with none left (everyone busy: most arrivals) the callbacks are not read.
        // Agents whose capacity a change freed are always looked at.
        guard roomLeft || !agents.isEmpty else { return messages }
        messages += try await routeCallbacks(queues: queues, agents: agents, now: now, traceparent: traceparent, on: connection)
        return messages
    }

    /// Offers a waiting interaction (locked) to `agentID`; returns its `offer.created`.
    private func offer(
        _ waiting: InteractionProjection, to agentID: String, now: Date, traceparent: String?, on connection: PostgresConnection
    ) async throws -> OutboxMessage {
        var interaction = waiting
        // A queue transfer shows who released it.
        let offer = OfferRecord(
            id: UUID(), interactionID: interaction.id, agentID: agentID, kind: .route, state: .pending,
            expiresAt: now.addingTimeInterval(TimeInterval(offerTimeout)),
            fromAgentID: interaction.transferID == nil ? nil : interaction.ownerID,
            fromAgentName: interaction.transferID == nil ? nil : interaction.ownerName,
            transferID: interaction.transferID, createdAt: now, decidedAt: nil
        )
        try await store.insertOffer(offer, on: connection, logger: logger)
        interaction.state = .offered
        interaction.updatedAt = now
        try await store.updateInteraction(interaction, on: connection, logger: logger)
        TransferMetrics.offered(kind: .route)
        logger.info("offer created", metadata: Self.metadata(offer))
        return try offerEvent(.offerCreated, offer, interaction.preview, traceparent)
    }
}
