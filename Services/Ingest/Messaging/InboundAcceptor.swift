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

    /// Validates an inbound message. Rejections are counted here, whatever the source.
    func validate(_ message: InboundMessage, source: String) throws(InvalidMessage) -> ValidatedInbound {
        do {
            return try validator.validate(message, now: Date())
        } catch {
            Counter(label: "switchboard_ingest_rejected_total", dimensions: [("source", source)]).increment()
            throw error
        }
    }

    /// Accepts one message in its own transaction (the HTTP path).
    /// - Throws: ``InvalidMessage`` when the message breaks the contract; other errors are transient.
    func accept(_ message: InboundMessage, source: String, traceparent: String?) async throws -> Outcome {
        let validated = try validate(message, source: source)
        return try await client.withTransaction(logger: logger) { connection in
            try await record(validated, source: source, traceparent: traceparent, on: connection)
        }
    }

    /// Stores a validated message (or finds it is a duplicate) and writes `message.received`
    /// to the outbox, inside the caller's transaction.
    func record(_ validated: ValidatedInbound, source: String, traceparent: String?, on connection: PostgresConnection) async throws -> Outcome {
        let trace = TraceContext.child(of: traceparent)
        // One conversation's messages are accepted one at a time (across replicas too), so
        // their sequence numbers and their outbox order agree: the acceptance order.
        let conversation = ConversationKey.make(customer: validated.from, organisation: validated.to)
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(conversation)))", logger: logger)
        let outcome: Outcome
        if let stored = try await store.insert(validated, source: source, on: connection, logger: logger) {
            let event = MessageReceived(
                messageId: stored.id.uuidString.lowercased(), channel: validated.channel,
                carrierMessageId: validated.carrierMessageID, from: validated.from, to: validated.to, text: validated.text,
                media: validated.media.map { .init(index: $0.index, contentType: $0.contentType, filename: $0.filename) },
                receivedAt: validated.receivedAt, acceptedAt: stored.acceptedAt, sequence: stored.sequence
            )
            try await outbox.enqueue([
                try OutboxMessage.event(
                    .messageReceived, service: "ingest", subject: nil, traceparent: trace, data: event, correlationID: conversation
                ),
            ], on: connection, logger: logger)
            outcome = Outcome(messageId: event.messageId, duplicate: false)
        } else {
            let existing = try await store.find(
                channel: validated.channel, carrierMessageID: validated.carrierMessageID, on: connection, logger: logger
            )
            outcome = Outcome(messageId: existing?.id.uuidString.lowercased() ?? "", duplicate: true)
        }
        Counter(label: "switchboard_ingest_accepted_total", dimensions: [("source", source), ("duplicate", "\(outcome.duplicate)")]).increment()
        logger.debug(outcome.duplicate ? "duplicate inbound message" : "inbound message accepted", metadata: [
            "message_id": "\(outcome.messageId)", "channel": "\(validated.channel)",
            "trace_id": "\(TraceContext.traceID(of: trace) ?? "")",
        ])
        return outcome
    }
}
