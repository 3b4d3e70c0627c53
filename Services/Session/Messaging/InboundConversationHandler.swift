import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `session.events`: a `message.received` joins the open session of its
/// conversation or opens a new interaction, and its transcript entry is appended, in one
/// transaction with the inbox record and the resulting events.
struct InboundConversationHandler: Sendable {
    let store: any InteractionStore
    let outbox: Outbox
    let defaults: NumberSettingsDefaults
    let transactions: TransactionalHandler
    let logger: Logger

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        switch delivery.routingKey {
        case EventType.messageReceived.rawValue:
            let event: CloudEvent<MessageReceived>
            do {
                event = try SwitchboardJSON.decoder().decode(CloudEvent<MessageReceived>.self, from: delivery.body)
            } catch let error as DecodingError {
                return .deadLetter(reason: "not a message.received event: \(DecodingErrorText.describe(error))")
            } catch {
                return .deadLetter(reason: "not valid JSON")
            }
            return await transactions.handle(delivery) { connection in
                try await place(event.data, traceparent: event.traceparent, on: connection)
            }
        default:
            // Bound for features that arrive with their own issues; acknowledged (never
            // silently requeued) and counted so nothing loops.
            return .ack
        }
    }

    private func place(_ message: MessageReceived, traceparent: String?, on connection: PostgresConnection) async throws {
        let openID = defaults.mode == .session
            ? try await store.openSessionID(organisation: message.to, customer: message.from, on: connection, logger: logger)
            : nil
        var events: [OutboxMessage] = []
        let interactionID: UUID
        switch ConversationPlacement.decide(mode: defaults.mode, openSessionID: openID?.uuidString) {
        case .join:
            interactionID = openID!
        case .open:
            interactionID = UUID()
            let hasMedia = !message.media.isEmpty
            let interaction = NewInteraction(
                id: interactionID, mode: defaults.mode, media: hasMedia ? "mms" : "sms", from: message.from, to: message.to,
                queue: defaults.queue, origin: defaults.mode.origin(hasMedia: hasMedia), createdAt: message.acceptedAt
            )
            try await store.create(interaction, on: connection, logger: logger)
            events.append(try OutboxMessage.event(
                .interactionCreated, service: "session", subject: interactionID.uuidString.lowercased(), traceparent: traceparent,
                data: InteractionCreated(
                    interactionId: interactionID.uuidString.lowercased(), mode: interaction.mode.rawValue, media: interaction.media,
                    from: interaction.from, to: interaction.to, queue: interaction.queue, origin: interaction.origin,
                    createdAt: interaction.createdAt
                )
            ))
        }
        let seq = try await store.append(NewTranscriptEntry(
            interactionID: interactionID, kind: "message", direction: "inbound", authorType: "contact", authorID: message.from,
            authorName: nil, text: message.text, messageID: message.messageId, ingestSequence: message.sequence,
            at: message.acceptedAt
        ), on: connection, logger: logger)
        events.append(try OutboxMessage.event(
            .interactionMessageAppended, service: "session", subject: interactionID.uuidString.lowercased(), traceparent: traceparent,
            data: InteractionMessageAppended(
                interactionId: interactionID.uuidString.lowercased(), seq: seq, kind: "message", direction: "inbound",
                messageId: message.messageId, at: message.acceptedAt
            )
        ))
        try await outbox.enqueue(events, on: connection, logger: logger)
        logger.info("inbound message appended", metadata: [
            "interaction_id": "\(interactionID.uuidString.lowercased())", "message_id": "\(message.messageId)", "seq": "\(seq)",
            "trace_id": "\(traceparent.flatMap(TraceContext.traceID(of:)) ?? "")",
        ])
    }
}
