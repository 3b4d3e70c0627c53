import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `transfer.events` (bound to `interaction.created`, `interaction.assigned` and
/// `interaction.closed`): each event updates the interaction projection, the agents' load
/// and routing in one transaction with its inbox record (a redelivery is a no-op). The
/// consumer orders deliveries by `correlation_id` (the interaction id), so one
/// interaction's events are applied in the order session emitted them.
struct TransferEventHandler: Sendable {
    let commands: TransferCommands
    let transactions: TransactionalHandler

    typealias Effect = MessageEffect

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let effect: Effect
        do {
            effect = try self.effect(for: delivery)
        } catch {
            return .deadLetter(reason: error.reason)
        }
        return await transactions.handle(delivery) { try await effect($0) }
    }

    /// Decodes a delivery into the change it asks for; malformed ones are refused here.
    func effect(for delivery: AMQPDelivery) throws(InvalidMessage) -> Effect {
        func decode<Payload: Codable & Sendable>(_ type: Payload.Type) throws(InvalidMessage) -> CloudEvent<Payload> {
            try EventDecoding.decode(type, from: delivery)
        }
        let commands = self.commands
        switch EventType(rawValue: delivery.routingKey) {
        case .interactionCreated:
            let event = try decode(InteractionCreated.self)
            return { try await commands.created(event.data, traceparent: event.traceparent, on: $0) }
        case .interactionAssigned:
            let event = try decode(InteractionAssigned.self)
            return { try await commands.assigned(event.data, traceparent: event.traceparent, on: $0) }
        case .interactionClosed:
            let event = try decode(InteractionClosed.self)
            return { try await commands.closed(event.data, traceparent: event.traceparent, on: $0) }
        default:
            throw InvalidMessage("transfer does not handle events of type \(delivery.routingKey)")
        }
    }
}
