import Foundation
import Logging
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `callback.events` (bound to `interaction.assigned`, `interaction.closed`,
/// `contact.merged`, `contact.unmerged` and `offer.accepted`).
///
/// - `interaction.assigned`: the agent may link callbacks to the interaction
///   (``InteractionParticipants``), in one transaction with the inbox record.
/// - `contact.merged`: the source contact's callbacks are re-pointed to the target, in one
///   transaction with the inbox record (a redelivery is a no-op).
/// - `contact.unmerged`: the callbacks that merge re-pointed go back to the source.
/// - `offer.accepted` of a callback offer: its agent may complete the callback; other
///   offers (of interactions) are acked and nothing else.
/// - `interaction.closed`: acked and nothing else. Callbacks outlive interactions on
///   purpose: "call me back tomorrow" is typically scheduled just before the agent marks
///   the interaction Done, so closing it must neither cancel nor change the callback. The
///   binding exists so that a later rule (for instance, a callback whose interaction was
///   closed as `wrong_number`) can be added without a topology change; with no effect
///   there is nothing to record in the inbox either.
struct CallbackEventHandler: Sendable {
    let commands: CallbackCommands
    let transactions: TransactionalHandler

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        do {
            switch EventType(rawValue: delivery.routingKey) {
            case .contactMerged:
                let event = try EventDecoding.decode(ContactMerged.self, from: delivery)
                return await transactions.handle(delivery) { connection in
                    try await commands.contactMerged(event.data, traceparent: event.traceparent, on: connection)
                }
            case .contactUnmerged:
                let event = try EventDecoding.decode(ContactUnmerged.self, from: delivery)
                return await transactions.handle(delivery) { connection in
                    try await commands.contactUnmerged(event.data, traceparent: event.traceparent, on: connection)
                }
            case .interactionAssigned:
                let event = try EventDecoding.decode(InteractionAssigned.self, from: delivery)
                return await transactions.handle(delivery) { connection in
                    try await commands.interactionAssigned(event.data, on: connection)
                }
            case .offerAccepted:
                let event = try EventDecoding.decode(CallbackOfferAccepted.self, from: delivery)
                guard event.data.kind == "callback" else { return .ack }
                guard let callback = event.data.callback, let id = UUID(uuidString: callback.id) else {
                    return .deadLetter(reason: "a callback offer's callback.id must be a UUID")
                }
                return await transactions.handle(delivery) { connection in
                    try await commands.callbackOfferAccepted(callbackID: id, agentID: event.data.agentId, offered: callback, on: connection)
                }
            case .interactionClosed:
                return .ack
            default:
                return .deadLetter(reason: "callback does not handle events of type \(delivery.routingKey)")
            }
        } catch {
            return .deadLetter(reason: error.reason)
        }
    }
}
