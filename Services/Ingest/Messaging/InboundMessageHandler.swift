import Foundation
import Logging
import Metrics
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `ingest.messages`. Other systems may publish without a `message_id`; the
/// dedup key is the message's own (channel, id), enforced by the store.
///
/// Deliveries come in batches (each conversation's in order): malformed ones are dead-lettered with
/// their reason, the valid ones are recorded in one transaction with a fixed number of
/// statements (``InboundAcceptor/recordBatch(_:source:on:)``) — one commit for the batch.
/// If that transaction fails, each message is retried on its own.
struct InboundMessageHandler: Sendable {
    let acceptor: InboundAcceptor
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let logger: Logger

    func handle(batch deliveries: [AMQPDelivery]) async -> [AMQPHandlingResult] {
        var results = Array(repeating: AMQPHandlingResult.ack, count: deliveries.count)
        var valid: [(index: Int, message: ValidatedInbound, traceparent: String?)] = []
        // Channel → region, looked up once per channel and batch.
        var regions: [String: String] = [:]
        for (index, delivery) in deliveries.enumerated() {
            let parsed: Result<ValidatedInbound, InvalidMessage>
            do {
                parsed = try await parse(delivery, regions: &regions)
            } catch {
                // The channels could not be read (database down): nothing is decided, retry later.
                results[index] = .retry(reason: String(reflecting: error))
                continue
            }
            switch parsed {
            case .success(let message):
                valid.append((index, message, delivery.properties.headers["traceparent"]?.stringValue))
            case .failure(let invalid):
                results[index] = .deadLetter(reason: invalid.reason)
            }
        }
        guard !valid.isEmpty else { return results }
        let accepted = valid.map { (message: $0.message, traceparent: $0.traceparent) }
        do {
            try await outbox.transaction(on: client, logger: logger) { connection in
                try await acceptor.recordBatch(accepted, source: "amqp", on: connection)
            }
        } catch {
            guard valid.count > 1 else {
                results[valid[0].index] = .retry(reason: String(reflecting: TransactionalHandler.unwrap(error)))
                return results
            }
            for item in valid {
                do {
                    try await outbox.transaction(on: client, logger: logger) { connection in
                        _ = try await acceptor.record(item.message, source: "amqp", traceparent: item.traceparent, on: connection)
                    }
                } catch {
                    results[item.index] = .retry(reason: String(reflecting: TransactionalHandler.unwrap(error)))
                }
            }
        }
        return results
    }

    /// Decodes and validates a delivery (national numbers in its channel's region).
    /// - Throws: only when the channel's region cannot be read (transient).
    private func parse(_ delivery: AMQPDelivery, regions: inout [String: String]) async throws -> Result<ValidatedInbound, InvalidMessage> {
        let message: InboundMessage
        do {
            message = try SwitchboardJSON.decoder().decode(InboundMessage.self, from: delivery.body)
        } catch let error as DecodingError {
            Counter(label: "switchboard_ingest_rejected_total", dimensions: [("source", "amqp")]).increment()
            return .failure(InvalidMessage("not a valid inbound message: \(DecodingErrorText.describe(error))"))
        } catch {
            Counter(label: "switchboard_ingest_rejected_total", dimensions: [("source", "amqp")]).increment()
            return .failure(InvalidMessage("not valid JSON"))
        }
        let channel = message.channel ?? ""
        let region: String
        if let known = regions[channel] {
            region = known
        } else {
            region = try await acceptor.region(of: message.channel)
            regions[channel] = region
        }
        do {
            return .success(try acceptor.validate(message, source: "amqp", region: region))
        } catch {
            return .failure(error)
        }
    }
}
