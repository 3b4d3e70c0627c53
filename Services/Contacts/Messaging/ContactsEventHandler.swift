import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `contacts.events` (bound to `interaction.created`, `.assigned`, `.closed`,
/// `.updated` and `consent.keyword`), each effect in one transaction with its inbox record:
///
/// - `interaction.created`, `.assigned`, `.closed`, `.updated`: the history projection;
///   a new interaction's customer number identifies its contact (`contact.identified`);
/// - `consent.keyword`: consent per organisation number (`consent.changed`);
/// - `message.received` and other `interaction.*` events (from a broker still carrying the
///   older, wider bindings): acked with no effect — the interaction, not the message, is
///   what identification and history are about;
/// - anything else, or a malformed event: dead-lettered with the reason.
struct ContactsEventHandler: Sendable {
    let commands: ContactCommands
    let consent: ConsentCommands
    let transactions: TransactionalHandler

    typealias Effect = MessageEffect

    /// Handles a batch in one transaction (see ``TransactionalHandler``). The phone locks
    /// its new interactions need are all taken first, sorted: two batches identifying
    /// customers of the same two numbers in opposite orders would otherwise deadlock.
    func handle(batch deliveries: [AMQPDelivery]) async -> [AMQPHandlingResult] {
        let phones = NIOLockedValueBox(Set<String>())
        let commands = self.commands
        return await transactions.handle(
            batch: deliveries,
            prologue: { connection in
                try await commands.lockPhones(phones.withLockedValue { Array($0) }, on: connection)
            },
            prepare: { delivery throws(InvalidMessage) in
                let (effect, phone) = try effectAndPhone(for: delivery)
                if let phone { phones.withLockedValue { _ = $0.insert(phone) } }
                return effect
            })
    }

    /// Decodes a delivery into its effect; nil for events acked without one.
    func effect(for delivery: AMQPDelivery) throws(InvalidMessage) -> Effect? {
        try effectAndPhone(for: delivery).0
    }

    /// The effect, and the phone number whose lock it takes (a new interaction's customer).
    private func effectAndPhone(for delivery: AMQPDelivery) throws(InvalidMessage) -> (Effect?, String?) {
        func decode<Payload: Codable & Sendable>(_ type: Payload.Type) throws(InvalidMessage) -> CloudEvent<Payload> {
            try EventDecoding.decode(type, from: delivery)
        }
        let commands = self.commands
        let consent = self.consent
        switch EventType(rawValue: delivery.routingKey) {
        case .interactionCreated:
            let event = try decode(InteractionCreated.self)
            return ({ try await commands.interactionCreated(event.data, traceparent: event.traceparent, on: $0) }, event.data.from)
        case .interactionAssigned:
            let event = try decode(InteractionAssigned.self)
            return ({ try await commands.interactionAssigned(event.data, on: $0) }, nil)
        case .interactionClosed:
            let event = try decode(InteractionClosed.self)
            return ({ try await commands.interactionClosed(event.data, on: $0) }, nil)
        case .interactionUpdated:
            let event = try decode(InteractionUpdated.self)
            return ({ try await commands.interactionUpdated(event.data, on: $0) }, nil)
        case .consentKeyword:
            let event = try decode(ConsentKeyword.self)
            return ({ try await consent.keyword(event.data, traceparent: event.traceparent, on: $0) }, nil)
        case .messageReceived, .interactionMessageAppended:
            return (nil, nil)
        default:
            // `interaction.#` may bring interaction events history does not use.
            if delivery.routingKey.hasPrefix("interaction.") { return (nil, nil) }
            throw InvalidMessage("contacts does not handle events of type \(delivery.routingKey)")
        }
    }
}
