import Foundation
import Logging
import NIOConcurrencyHelpers
import SwitchboardAMQP

/// The upgrade of docs/decisions.md "Outbound routing": an earlier version kept every reply
/// in `outbound.sms` for connectors. When it still exists, its messages are published again
/// on `switchboard.outbound` with their routing key (now reaching ingest's sender, a
/// connector's own queue or `outbound.unrouted`), each acked only once the broker confirmed
/// the copy, and the queue is deleted once empty.
struct LegacyOutboundQueue: Sendable {
    let connection: AMQPConnection
    let logger: Logger
    /// How long without a message before the queue counts as drained.
    static let quiet: Duration = .seconds(2)

    /// Returns true once the queue is gone (or never existed).
    func drain() async -> Bool {
        let queue = QueueName.legacyOutboundSMS.rawValue
        do {
            guard let waiting = try await connection.manage(.messageCount(queue: queue)) else { return true }
            if waiting > 0 {
                logger.notice("moving the replies left in outbound.sms back through switchboard.outbound", metadata: ["messages": "\(waiting)"])
                let moved = await move(from: queue)
                logger.notice("replies moved out of outbound.sms", metadata: ["messages": "\(moved)"])
            }
            let deleted = try await connection.manage(.deleteQueueIfEmpty(queue: queue)) != nil
            if deleted { logger.notice("queue outbound.sms deleted (replaced by per-channel routing)") }
            return deleted
        } catch {
            logger.warning("could not empty outbound.sms; will retry", metadata: ["reason": "\(error)"])
            return false
        }
    }

    private func move(from queue: String) async -> Int {
        let tag = "ingest.legacy-outbound.\(UUID().uuidString.prefix(8))"
        let deliveries = connection.consume(queue: queue, prefetch: 100, tag: tag)
        let moved = NIOLockedValueBox(0)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Ends the consumer once nothing came for a while (the queue has no binding left).
                while !Task.isCancelled {
                    let before = moved.withLockedValue { $0 }
                    try? await Task.sleep(for: Self.quiet)
                    if moved.withLockedValue({ $0 }) == before { break }
                }
                await connection.cancelConsumer(tag: tag)
            }
            for await delivery in deliveries {
                let copy = AMQPMessage(
                    exchange: SwitchboardTopology.outboundExchange, routingKey: delivery.routingKey, body: delivery.body,
                    properties: delivery.properties, mandatory: false
                )
                do {
                    try await connection.publish(copy)
                    connection.ack(delivery)
                    moved.withLockedValue { $0 += 1 }
                } catch {
                    connection.reject(delivery, requeue: true)
                }
            }
            group.cancelAll()
        }
        return moved.withLockedValue { $0 }
    }
}
