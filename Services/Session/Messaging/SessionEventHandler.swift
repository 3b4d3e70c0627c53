import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `session.events`: inbound messages, delivery statuses, contacts, consent,
/// media, callbacks, and transfer's offers and transfers, each applied in one transaction
/// with its inbox record.
struct SessionEventHandler: Sendable {
    let commands: InteractionCommands
    let transactions: TransactionalHandler

    typealias Effect = MessageEffect

    /// Handles a batch: its plain SMS (of conversations with nothing else in the batch) in
    /// one set-based transaction (``InboundBatchHandler``), the rest in one transaction of
    /// per-message effects (see ``TransactionalHandler``). The per-message
    /// media locks the batch will need (an MMS's message, its stored or failed images) are
    /// all taken first, sorted: an inbound batch and an events batch touching one MMS
    /// interaction would otherwise take a media lock and the interaction's row lock in
    /// opposite orders and deadlock.
    func handle(batch deliveries: [AMQPDelivery]) async -> [AMQPHandlingResult] {
        let plainSMS = deliveries.map(InboundBatchHandler.plainSMS)
        let split = InboundBatchSplit(zip(deliveries, plainSMS).map { ($0.0.properties.correlationID, $0.1 != nil) })
        guard split.plain.count > 1 else { return await handlePerMessage(deliveries) }
        var results = Array(repeating: AMQPHandlingResult.ack, count: deliveries.count)
        var others = split.others
        let inbound = InboundBatchHandler(commands: commands, transactions: transactions)
        if !(await inbound.place(split.plain.compactMap { plainSMS[$0] })) {
            others = (others + split.plain).sorted()
        }
        guard !others.isEmpty else { return results }
        let outcomes = await handlePerMessage(others.map { deliveries[$0] })
        for (position, outcome) in zip(others, outcomes) { results[position] = outcome }
        return results
    }

    /// The general path: each delivery's effect in order, in one transaction (see
    /// ``TransactionalHandler``).
    private func handlePerMessage(_ deliveries: [AMQPDelivery]) async -> [AMQPHandlingResult] {
        let mediaMessages = NIOLockedValueBox(Set<String>())
        let commands = self.commands
        return await transactions.handle(
            batch: deliveries,
            prologue: { connection in
                for messageID in mediaMessages.withLockedValue({ $0 }).sorted() {
                    try await commands.lockMediaOfMessage(messageID, on: connection)
                }
            },
            prepare: { delivery throws(InvalidMessage) in
                let (effect, mediaMessage) = try effectAndMediaMessage(for: delivery)
                if let mediaMessage { mediaMessages.withLockedValue { _ = $0.insert(mediaMessage) } }
                return effect
            })
    }

    /// Decodes a delivery into the change it asks for; malformed ones are refused here.
    func effect(for delivery: AMQPDelivery) throws(InvalidMessage) -> Effect {
        try effectAndMediaMessage(for: delivery).0
    }

    /// The change, and the MMS message whose media lock it takes (if any).
    private func effectAndMediaMessage(for delivery: AMQPDelivery) throws(InvalidMessage) -> (Effect, String?) {
        func decode<Payload: Codable & Sendable>(_ type: Payload.Type) throws(InvalidMessage) -> CloudEvent<Payload> {
            try EventDecoding.decode(type, from: delivery)
        }
        let commands = self.commands
        switch EventType(rawValue: delivery.routingKey) {
        case .messageReceived:
            let event = try decode(MessageReceived.self)
            return (
                { try await commands.placeInbound(event.data, traceparent: event.traceparent, on: $0) },
                event.data.media.isEmpty ? nil : event.data.messageId
            )
        case .messageStatus:
            let event = try decode(MessageStatus.self)
            return ({ try await commands.applyStatus(event.data, traceparent: event.traceparent, on: $0) }, nil)
        case .contactIdentified, .contactAssigned:
            let event = try decode(ContactLinked.self)
            return ({ try await commands.linkContact(event.data, on: $0) }, nil)
        case .consentChanged:
            let event = try decode(ConsentChanged.self)
            return ({ try await commands.recordConsent(event.data, on: $0) }, nil)
        case .mediaStored:
            let event = try decode(MediaStored.self)
            return ({ try await commands.attachMedia(event.data, traceparent: event.traceparent, on: $0) }, event.data.messageId)
        case .mediaFailed:
            let event = try decode(MediaFailed.self)
            return ({ try await commands.mediaFailed(event.data, traceparent: event.traceparent, on: $0) }, event.data.messageId)
        case .contactMerged:
            let event = try decode(ContactMerged.self)
            return ({ try await commands.contactsMerged(event.data, on: $0) }, nil)
        case .callbackScheduled:
            let event = try decode(CallbackScheduled.self)
            return ({ try await commands.callbackScheduled(event.data, traceparent: event.traceparent, on: $0) }, nil)
        case .offerCreated, .offerAccepted, .offerRejected, .offerExpired:
            // An offer of no interaction (a callback offer) is nothing of session's: acked.
            guard let offer = try ProjectedOffer(try decode(OfferChanged.self).data) else { return ({ _ in }, nil) }
            return ({ try await commands.offerChanged(offer, on: $0) }, nil)
        case .transferRequested, .transferAccepted, .transferRejected, .transferExpired, .transferCompleted:
            let transfer = try ProjectedTransfer(try decode(TransferChanged.self).data)
            return ({ try await commands.transferChanged(transfer, on: $0) }, nil)
        default:
            throw InvalidMessage("session does not handle events of type \(delivery.routingKey)")
        }
    }
}

/// Consumes `session.commands`: `interaction.assign` from transfer.
struct SessionCommandHandler: Sendable {
    let commands: InteractionCommands
    let transactions: TransactionalHandler

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        guard delivery.routingKey == "session.interaction.assign" else {
            return .deadLetter(reason: "unknown command \(delivery.routingKey)")
        }
        let command: InteractionAssign
        do {
            command = try CommandDecoding.decode(InteractionAssign.self, named: "interaction.assign", from: delivery)
        } catch {
            return .deadLetter(reason: error.reason)
        }
        guard ["routed", "transferred"].contains(command.reason) else {
            return .deadLetter(reason: "reason must be routed or transferred")
        }
        let traceparent = delivery.properties.headers["traceparent"]?.stringValue
        return await transactions.handle(delivery) { try await commands.assign(command, traceparent: traceparent, on: $0) }
    }
}
