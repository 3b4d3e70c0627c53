import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Accepts one inbound message, whichever way it came: validate, then in one transaction
/// store it (or find it is a duplicate) and write `message.received` to the outbox.
struct InboundAcceptor: Sendable {
    let validator: InboundValidator
    let store: any InboundStore
    let client: PostgresClient
    let outbox: Outbox
    let logger: Logger

    struct Outcome: Sendable, Equatable, Encodable {
        var messageId: String
        var duplicate: Bool
    }

    /// - Throws: ``InvalidMessage`` when the message breaks the contract; other errors are transient.
    func accept(_ message: InboundMessage, source: String, traceparent: String?) async throws -> Outcome {
        let validated: ValidatedInbound
        do {
            validated = try validator.validate(message, now: Date())
        } catch {
            Counter(label: "switchboard_ingest_rejected_total", dimensions: [("source", source)]).increment()
            throw error
        }
        let trace = TraceContext.child(of: traceparent)
        let outcome = try await client.withTransaction(logger: logger) { connection -> Outcome in
            guard let stored = try await store.insert(validated, source: source, on: connection, logger: logger) else {
                let existing = try await store.find(
                    channel: validated.channel, carrierMessageID: validated.carrierMessageID, on: connection, logger: logger
                )
                return Outcome(messageId: existing?.id.uuidString.lowercased() ?? "", duplicate: true)
            }
            let event = MessageReceived(
                messageId: stored.id.uuidString.lowercased(), channel: validated.channel,
                carrierMessageId: validated.carrierMessageID, from: validated.from, to: validated.to, text: validated.text,
                media: validated.media.map { .init(index: $0.index, contentType: $0.contentType, filename: $0.filename) },
                receivedAt: validated.receivedAt, acceptedAt: stored.acceptedAt, sequence: stored.sequence
            )
            try await outbox.enqueue([
                try OutboxMessage.event(
                    .messageReceived, service: "ingest", subject: nil, traceparent: trace, data: event,
                    correlationID: event.conversationKey
                ),
            ], on: connection, logger: logger)
            return Outcome(messageId: event.messageId, duplicate: false)
        }
        Counter(label: "switchboard_ingest_accepted_total", dimensions: [("source", source), ("duplicate", "\(outcome.duplicate)")]).increment()
        logger.info(outcome.duplicate ? "duplicate inbound message" : "inbound message accepted", metadata: [
            "message_id": "\(outcome.messageId)", "channel": "\(validated.channel)",
            "trace_id": "\(TraceContext.traceID(of: trace) ?? "")",
        ])
        return outcome
    }
}
