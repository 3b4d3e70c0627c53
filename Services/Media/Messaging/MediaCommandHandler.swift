import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `media.commands`: `media.fetch`, and `media.message.placed` (which interaction a
/// message's items belong to, from session).
///
/// The slow part (fetch, sniff, thumbnail, write to the store) runs first, outside any
/// transaction (``MediaIntake``; content-addressed, so repeating it is harmless); then one
/// transaction records the inbox entry, the item or the failure, and the event. A command
/// whose item is already stored or failed (a redelivery after the commit) is acked without
/// fetching again. A malformed command is dead-lettered; a failure of the service itself
/// (database, disk) is retried by the broker.
struct MediaCommandHandler: Sendable {
    let intake: MediaIntake
    let commands: MediaCommands
    let store: PostgresMediaStore
    let client: PostgresClient
    let transactions: TransactionalHandler
    let logger: Logger

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        switch delivery.routingKey {
        case "media.fetch": return await fetch(delivery)
        case "media.message.placed": return await placed(delivery)
        default: return .deadLetter(reason: "media does not handle commands with routing key \(delivery.routingKey)")
        }
    }

    /// `media.message.placed`: remembers the interaction of the message's items.
    private func placed(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let command: MediaMessagePlaced
        do {
            command = try CommandDecoding.decode(MediaMessagePlaced.self, named: "media.message.placed", from: delivery)
        } catch {
            return .deadLetter(reason: error.reason)
        }
        return await transactions.handle(delivery) { [commands] in try await commands.messagePlaced(command, on: $0) }
    }

    private func fetch(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let command: MediaFetch
        do {
            command = try CommandDecoding.decode(MediaFetch.self, named: "media.fetch", from: delivery)
        } catch {
            return .deadLetter(reason: error.reason)
        }
        if let problem = command.validationError() { return .deadLetter(reason: "invalid media.fetch: \(problem)") }
        let traceparent = delivery.properties.headers["traceparent"]?.stringValue
        var metadata: Logger.Metadata = ["message_id": "\(command.messageId)", "index": "\(command.index)"]
        if let traceparent, let trace = TraceContext.traceID(of: traceparent) { metadata["trace_id"] = "\(trace)" }

        do {
            if try await store.isSettled(messageID: command.messageId, index: command.index, client: client, logger: logger) {
                return await transactions.handle(delivery) { _ in }
            }
        } catch {
            return .retry(reason: "cannot read media state: \(String(reflecting: error))")
        }

        let started = ContinuousClock.now
        let outcome: MediaIntake.Outcome
        do {
            // A fetch may take a minute (3 attempts): on SIGTERM it is cancelled and the
            // command requeued, so the service still exits within 10 s.
            outcome = try await cancelWhenGracefulShutdown { [intake] in try await intake.prepare(command) }
        } catch {
            if Task.isShuttingDownGracefully || Task.isCancelled { return .retry(reason: "shutting down") }
            logger.warning("media intake failed; will retry", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
            return .retry(reason: "media intake failed: \(error)")
        }
        // What a cancelled fetch reported is not the item's fault: fetch it again later.
        if Task.isShuttingDownGracefully || Task.isCancelled { return .retry(reason: "shutting down") }
        let elapsed = ContinuousClock.now - started
        MediaMetrics.intake(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)

        let recorded = RecordedOutcome()
        let result = await transactions.handle(delivery) { connection in
            switch outcome {
            case .stored(let blob):
                let record = try await commands.stored(blob, for: command, traceparent: traceparent, on: connection)
                await recorded.set(record.map { .stored($0) })
            case .failed(let reason):
                let failed = try await commands.failed(command, reason: reason, traceparent: traceparent, on: connection)
                await recorded.set(failed ? .failed(reason) : nil)
            }
        }
        if result == .ack {
            switch await recorded.value {
            case .stored(let record):
                MediaMetrics.stored(contentType: record.blob.contentType, bytes: record.blob.bytes)
                logger.info(
                    "media stored",
                    metadata: metadata.merging([
                        "media_id": "\(record.idString)", "content_type": "\(record.blob.contentType)", "bytes": "\(record.blob.bytes)",
                    ]) { $1 })
            case .failed(let reason):
                MediaMetrics.failed()
                logger.info("media failed", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            case nil:
                break
            }
        }
        return result
    }
}

/// What the transaction recorded, read after the commit for logs and metrics.
private actor RecordedOutcome {
    enum Value: Sendable {
        case stored(MediaRecord)
        case failed(String)
    }

    private(set) var value: Value?

    func set(_ value: Value?) { self.value = value }
}
