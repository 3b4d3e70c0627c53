import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `transfer.events` (bound to session's interaction events): `interaction.created`,
/// `interaction.assigned` and `interaction.closed` update the interaction projection, the
/// agents' load and routing; each interaction event, `interaction.message.appended` and
/// `interaction.message.updated` also put what changed on the desk feeds of the agents who
/// own or are offered the interaction (docs/architecture.md section 10.2). Batches of events
/// in one transaction, each with its inbox record (a redelivery is a no-op). The consumer orders deliveries
/// by `correlation_id` (the interaction id), so one interaction's events are applied in the
/// order session emitted them. `interaction.consultation.*` keeps a projection of open IM
/// consultations (the consulted agent follows the interaction on its desk) and shows each
/// change to both agents. The callback service's `callback.due`, `.completed`,
/// `.cancelled` and `.rescheduled` put due SMS callbacks in front of agents (offers of kind
/// `callback`, section 10.3); they are ordered by their `correlation_id` as well.
struct TransferEventHandler: Sendable {
    let commands: TransferCommands
    let transactions: TransactionalHandler

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let effect: TransferEffect
        do {
            guard let change = try self.effect(for: delivery) else { return .ack }
            effect = change
        } catch {
            return .deadLetter(reason: error.reason)
        }
        let store = commands.store
        let logger = commands.logger
        // The routing lock before the inbox record, as in a batch (``TransactionalHandler``).
        return await transactions.handle(delivery, prologue: { try await store.lockRouting(on: $0, logger: logger) }) {
            try await apply([effect], on: $0)
        }
    }

    /// Handles a batch of deliveries in one transaction (one commit instead of one per
    /// event: with a transaction per event transfer was the consumer that fell behind, by
    /// about 100 events/s at 200 inbound SMS/s, and its backlog took the CPU the inbound
    /// path needed; issue #17). The prologue takes the routing lock before any effect takes a
    /// row lock, the order answers to offers and routing take them, so a batch never
    /// deadlocks with them; batches (and answers) therefore take turns, each much shorter
    /// than the events one by one. A batch that fails is handled again event by event.
    /// Consecutive inbound messages are applied together (``TransferEffectRun``).
    func handle(batch deliveries: [AMQPDelivery]) async -> [AMQPHandlingResult] {
        let store = commands.store
        let logger = commands.logger
        return await transactions.handle(
            batch: deliveries,
            prologue: { try await store.lockRouting(on: $0, logger: logger) },
            prepare: { delivery throws(InvalidMessage) in try effect(for: delivery) },
            run: { effects, connection in try await apply(effects, on: connection) }
        )
    }

    /// Applies `effects` in order, each run of consecutive inbound messages at once.
    func apply(_ effects: [TransferEffect], on connection: PostgresConnection) async throws {
        for run in TransferEffectRun.runs(of: effects) {
            switch run {
            case .change(let change): try await change(connection)
            case .inboundMessages(let messages): try await commands.inboundMessagesAppended(messages, on: connection)
            }
        }
    }

    /// Decodes a delivery into the change it asks for (nil: nothing to do, acked as it is);
    /// malformed ones are refused here.
    func effect(for delivery: AMQPDelivery) throws(InvalidMessage) -> TransferEffect? {
        func decode<Payload: Codable & Sendable>(_ type: Payload.Type) throws(InvalidMessage) -> CloudEvent<Payload> {
            try EventDecoding.decode(type, from: delivery)
        }
        let commands = self.commands
        let desk = commands.desk
        let logger = commands.logger
        let fields = EventDataFields(cloudEvent: delivery.body)
        /// Session's view of the interaction (without transcript), or what the event itself says.
        func view(_ id: String) -> String {
            fields?.objectText("interaction") ?? fields?.text(adding: ["id": id]) ?? #"{"id":"\#(id)"}"#
        }
        if delivery.routingKey.hasPrefix("interaction.consultation."), let raw = fields {
            let change = try ConsultationChange(routingKey: delivery.routingKey, fields: raw)
            guard let data = raw.text(adding: ["type": change.type]) else { throw InvalidMessage("\(delivery.routingKey): data is not an object") }
            // An internal message is also an entry of the interaction's transcript: shown
            // there, live, to whoever follows the interaction (the owner, the consulted).
            let entry = change.type == "message" ? raw.objectText("entry") : nil
            return .change { try await commands.consultationChanged(change, data: data, entry: entry, on: $0) }
        }
        switch EventType(rawValue: delivery.routingKey) {
        case .interactionCreated:
            let event = try decode(InteractionCreated.self)
            let id = try interactionID(event.data.interactionId)
            let data = view(event.data.interactionId)
            return .change { connection in
                try await commands.created(event.data, traceparent: event.traceparent, on: connection)
                try await desk.interaction(id, data: data, on: connection, logger: logger)
            }
        case .interactionAssigned:
            let event = try decode(InteractionAssigned.self)
            let id = try interactionID(event.data.interactionId)
            let data = view(event.data.interactionId)
            return .change { connection in
                try await commands.assigned(event.data, traceparent: event.traceparent, on: connection)
                try await desk.interaction(id, data: data, also: [event.data.previousOwnerId], on: connection, logger: logger)
            }
        case .interactionClosed:
            let event = try decode(InteractionClosed.self)
            let id = try interactionID(event.data.interactionId)
            let data = view(event.data.interactionId)
            return .change { connection in
                try await commands.closed(event.data, traceparent: event.traceparent, on: connection)
                try await desk.interaction(id, data: data, also: [event.data.ownerId], on: connection, logger: logger)
            }
        case .interactionUpdated:
            let event = try decode(InteractionUpdated.self)
            let id = try interactionID(event.data.interactionId)
            let data = view(event.data.interactionId)
            return .change { try await desk.interaction(id, data: data, on: $0, logger: logger) }
        case .interactionMessageAppended, .interactionMessageUpdated:
            guard let raw = fields, let interaction = raw.string("interaction_id") else {
                throw InvalidMessage("\(delivery.routingKey) without interaction_id")
            }
            let id = try interactionID(interaction)
            // A session older than the stream sends no entry: nothing to show, nothing wrong
            // (a rolling upgrade must not dead-letter its events).
            guard let entry = raw.objectText("entry") else { return nil }
            let data = #"{"entry":\#(entry),"interaction_id":"\#(interaction)"}"#
            if delivery.routingKey == EventType.interactionMessageAppended.rawValue, let inboundText = Self.inboundText(raw) {
                return .inboundMessage(InboundMessageAppended(interactionID: id, text: inboundText, transcript: data))
            }
            return .change { try await desk.transcript(id, data: data, on: $0, logger: logger) }
        case .contactIdentified, .contactAssigned:
            let event = try decode(ContactLinked.self)
            return .change { try await commands.contactLinked(event.data, on: $0) }
        case .callbackDue:
            let event = try decode(CallbackEventPayload.self)
            // Voice callbacks are a dialer's, not the SMS desk's.
            guard event.data.isForTheDesk else { return nil }
            let id = try callbackID(event.data.id)
            return .change { try await commands.callbackDue(event.data, id: id, traceparent: event.traceparent, on: $0) }
        case .callbackRescheduled:
            let event = try decode(CallbackEventPayload.self)
            let id = try callbackID(event.data.id)
            return .change { try await commands.callbackChanged(event.data, id: id, traceparent: event.traceparent, on: $0) }
        case .callbackCompleted, .callbackCancelled:
            let event = try decode(CallbackEventPayload.self)
            let id = try callbackID(event.data.id)
            return .change { try await commands.callbackSettled(id, traceparent: event.traceparent, on: $0) }
        default:
            throw InvalidMessage("transfer does not handle events of type \(delivery.routingKey)")
        }
    }

    private func callbackID(_ text: String) throws(InvalidMessage) -> UUID {
        guard let id = UUID(uuidString: text) else { throw InvalidMessage("callback id \(text) is not a UUID") }
        return id
    }

    private func interactionID(_ text: String) throws(InvalidMessage) -> UUID {
        guard let id = UUID(uuidString: text) else { throw InvalidMessage("interaction_id \(text) is not a UUID") }
        return id
    }

    /// The text of an inbound message entry: what an offer's preview shows.
    static func inboundText(_ fields: EventDataFields) -> String? {
        guard fields.string("direction") == "inbound", fields.string("kind") == "message",
            let entry = fields.object("entry"), let text = entry["text"] as? String
        else { return nil }
        return text
    }
}
