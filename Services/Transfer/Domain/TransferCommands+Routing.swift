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
        messages += try await routeCallbacks(queues: queues, agents: agents, now: now, traceparent: traceparent, on: connection)
        return messages
    }
}
