import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The projection of session's interaction events (created, assigned, closed), and what
/// each ends or starts.
extension TransferCommands {
    /// `interaction.created`: the interaction enters its queue and is routed.
    func created(_ event: InteractionCreated, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.queue.isEmpty else { throw InvalidMessage("queue is empty") }
        try await lockRoutingForEvent(on: connection)
        let now = try await store.now(on: connection, logger: logger)
        let projection = try await store.recordCreated(
            InteractionProjection(
                id: id, queue: event.queue, state: .queued, ownerID: nil, ownerName: nil, assigningTo: nil, transferID: nil,
                fromNumber: event.from, origin: event.origin, mode: event.mode, media: event.media, previewText: nil, caseData: [:],
                queuedAt: event.createdAt, createdAt: event.createdAt, updatedAt: now, closedAt: nil
            ), on: connection, logger: logger)
        guard projection.state == .queued else { return }
        try await emit(
            try await route(queues: [projection.queue], now: now, traceparent: traceparent, on: connection), on: connection, logger: logger)
    }

    /// `interaction.assigned`: the new owner's load +1, the previous owner's −1 (both
    /// recounted from the projection); a pending offer or transfer the assignment made moot
    /// ends `expired`; the previous owner's queues are routed again.
    func assigned(_ event: InteractionAssigned, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !event.agentId.isEmpty else { throw InvalidMessage("agent_id is empty") }
        try await lockRoutingForEvent(on: connection)
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
        messages += try await route(queues: queues, agents: freed.sorted(), now: now, traceparent: traceparent, on: connection)
        try await emit(messages, on: connection, logger: logger)
    }

    /// `interaction.closed`: the owner's load −1; pending offers and transfers end
    /// `expired` (no notification: the source closed it itself); queues routed again.
    func closed(_ event: InteractionClosed, traceparent: String?, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: event.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        try await lockRoutingForEvent(on: connection)
        let now = try await store.now(on: connection, logger: logger)
        guard var interaction = try await store.lockInteraction(id, on: connection, logger: logger) else {
            // Closed before its interaction.created reached us (a redelivery or another
            // replica overtook it): kept closed, so the late created never routes it.
            try await store.insertInteraction(
                InteractionProjection(
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
        var messages = try await endPending(
            interaction, reason: "interaction_closed", now: now, traceparent: traceparent, freed: &freed, on: connection)
        if let owner {
            try await store.refreshLoad([owner], on: connection, logger: logger)
            try await store.markAssignmentEnded(owner, at: now, on: connection, logger: logger)
        }
        var queues: [String] = []
        for agent in freed.sorted() { queues += try await store.queues(ofAgent: agent, on: connection, logger: logger) }
        messages += try await route(queues: queues, agents: freed.sorted(), now: now, traceparent: traceparent, on: connection)
        try await emit(messages, on: connection, logger: logger)
    }

    /// Ends the pending offer and transfer of an interaction that was assigned by other
    /// means or closed: both `expired` with `reason`, no decline recorded.
    func endPending(
        _ interaction: InteractionProjection, reason: String, now: Date, traceparent: String?, freed: inout Set<String>,
        on connection: PostgresConnection
    ) async throws -> [OutboxMessage] {
        var messages: [OutboxMessage] = []
        if var offer = try await store.lockPendingOffer(interaction: interaction.id, on: connection, logger: logger), let next = offer.state.expired()
        {
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
}

extension TransferCommands {
    /// Inbound messages were appended (`interaction.message.appended`), in this order: each
    /// interaction's preview becomes its last message's text, an agent with a pending offer
    /// for it is shown the offer again with that preview, and the owner, offered and
    /// consulted agents are shown each transcript entry (``InboundMessageAppended/transcript``).
    /// Under the routing lock — the batch's prologue's (``BatchPrologue``), or taken here
    /// first, before the interactions' rows — so the offers read with the change are the
    /// ones there are, and the order of locks is that of every routing decision. One
    /// statement for the previews and their audiences, one desk feed append, a pending
    /// offer's read per interaction offered, and an audience's read per message of a closed
    /// or unknown interaction, for a whole run of a batch (issue #17: a statement per
    /// message, and the desk's three per message and agent, before).
    func inboundMessagesAppended(_ messages: [InboundMessageAppended], on connection: PostgresConnection) async throws {
        guard !messages.isEmpty else { return }
        try await lockRoutingForEvent(on: connection)
        let changes = try await store.changeInboundPreviews(messages, on: connection, logger: logger)
        var lastOfInteraction: [UUID: Int] = [:]
        for (index, message) in messages.enumerated() { lastOfInteraction[message.interactionID] = index }
        var events: [AddressedDeskEvent] = []
        for (index, message) in messages.enumerated() {
            // Closed or not (yet) projected: its transcript is still shown to whoever follows it.
            guard let change = changes[message.interactionID] else {
                let audience = try await desk.audience(of: message.interactionID, on: connection, logger: logger)
                events += DeskFeedWriter.transcript(message.transcript, to: audience)
                continue
            }
            // The offer with the run's last preview, shown once, before that message's entry.
            if lastOfInteraction[message.interactionID] == index, !change.offeredAgents.isEmpty,
                let offer = try await pendingOfferEvent(of: change.interaction, on: connection)
            {
                events.append(offer)
            }
            events += DeskFeedWriter.transcript(message.transcript, to: change.audience)
        }
        try await desk.append(events, on: connection, logger: logger)
    }

    /// `interaction.consultation.started`, `.message` or `.ended`: who is consulted on the
    /// interaction changes, both agents are shown the change (`data`), and an internal
    /// message (`entry`) is also shown as a transcript entry to whoever follows the
    /// interaction. Under the routing lock, like an inbound message's audience
    /// (``inboundMessagesAppended(_:on:)``), which reads the open
    /// consultations: without it, a consultation that committed while that audience was read
    /// was missed, and the consulted agent was not shown the customer's message live.
    func consultationChanged(_ change: ConsultationChange, data: String, entry: String?, on connection: PostgresConnection) async throws {
        try await lockRoutingForEvent(on: connection)
        try await store.recordConsultation(change, on: connection, logger: logger)
        try await desk.consultation(change, data: data, on: connection, logger: logger)
        guard let entry else { return }
        let transcript = #"{"entry":\#(entry),"interaction_id":"\#(change.interactionID.uuidString.lowercased())"}"#
        try await desk.transcript(change.interactionID, data: transcript, on: connection, logger: logger)
    }

    /// Changes what an interaction's offers preview (who is writing). Without a pending
    /// offer, no routing lock (the interaction's row only). With one, under the routing
    /// lock, interaction then offer, the order every routing decision locks them in — so a
    /// preview change never deadlocks with an answer to that offer (offer, then interaction,
    /// under the same lock) — and the offer is shown again with the new preview.
    private func changePreview(
        _ id: UUID, on connection: PostgresConnection, _ change: (inout InteractionProjection) async throws -> Void
    ) async throws {
        // A batch holds the routing lock already (``BatchPrologue``): no need to ask.
        if !BatchPrologue.hasRun, try await store.hasPendingOffer(interaction: id, on: connection, logger: logger) {
            try await store.lockRouting(on: connection, logger: logger)
        }
        guard var interaction = try await store.lockInteraction(id, on: connection, logger: logger), interaction.state != .closed else { return }
        try await change(&interaction)
        try await reshowPendingOffer(of: interaction, on: connection)
    }

    /// `contact.identified` / `contact.assigned`: the preview shows who is writing. A
    /// contact event that overtook the interaction's `interaction.created` (two replicas
    /// racing) finds no row and is not shown in the preview; the interaction view has it.
    func contactLinked(_ link: ContactLinked, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: link.interactionId) else { throw InvalidMessage("interaction_id is not a UUID") }
        guard !link.contactId.isEmpty else { throw InvalidMessage("contact_id is empty") }
        try await changePreview(id, on: connection) { interaction in
            try await store.setContact(id, contactID: link.contactId, name: link.contactName, on: connection, logger: logger)
            interaction.contactID = link.contactId
            interaction.contactName = link.contactName
        }
    }

    /// A pending offer's preview changed: its agent's desktop is shown the offer again. The
    /// offer is read, not locked: an answer to it waits for the interaction this transaction
    /// holds before it writes its own desk events, so the desktop sees them in that order.
    private func reshowPendingOffer(of interaction: InteractionProjection, on connection: PostgresConnection) async throws {
        guard let offer = try await pendingOfferEvent(of: interaction, on: connection) else { return }
        try await desk.append([offer], on: connection, logger: logger)
    }

    /// The interaction's pending offer as its agent's desk shows it, with the interaction's preview.
    private func pendingOfferEvent(of interaction: InteractionProjection, on connection: PostgresConnection) async throws -> AddressedDeskEvent? {
        guard let offer = try await store.pendingOffer(interaction: interaction.id, on: connection, logger: logger) else { return nil }
        let data = try DeskFeedWriter.json(offer.view(preview: interaction.preview))
        return AddressedDeskEvent(agentID: offer.agentID, event: DeskEvent(kind: .offer, data: data))
    }
}
