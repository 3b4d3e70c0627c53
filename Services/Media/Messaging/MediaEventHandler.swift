import Foundation
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `media.events`, the access projection:
///
/// - `interaction.assigned`: the agent may see the interaction's media, for good (owners
///   past and present);
/// - `interaction.message.appended`, from a broker still carrying the older binding (which
///   interaction an inbound MMS went to now comes as the command `media.message.placed`):
///   the same effect, for messages with media.
///
/// Each in one transaction with its inbox record.
struct MediaEventHandler: Sendable {
    let commands: MediaCommands
    let transactions: TransactionalHandler

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        switch EventType(rawValue: delivery.routingKey) {
        case .interactionAssigned:
            guard let event = decode(InteractionAssigned.self, delivery) else {
                return .deadLetter(reason: "not an interaction.assigned event")
            }
            return await transactions.handle(delivery) { try await commands.interactionAssigned(event.data, on: $0) }
        case .interactionMessageAppended:
            guard let event = decode(InteractionMessageAppended.self, delivery) else {
                return .deadLetter(reason: "not an interaction.message.appended event")
            }
            // Only messages with media matter here: plain SMS are acked without a transaction.
            if event.data.mediaCount == 0 { return .ack }
            return await transactions.handle(delivery) { try await commands.messageAppended(event.data, on: $0) }
        default:
            return .deadLetter(reason: "media does not handle events of type \(delivery.routingKey)")
        }
    }

    private func decode<Payload: Codable & Sendable>(_ type: Payload.Type, _ delivery: AMQPDelivery) -> CloudEvent<Payload>? {
        try? SwitchboardJSON.decoder().decode(CloudEvent<Payload>.self, from: delivery.body)
    }
}
