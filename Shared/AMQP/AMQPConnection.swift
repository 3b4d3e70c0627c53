import Foundation
public import Logging
public import ServiceLifecycle

/// A RabbitMQ connection for async Swift code, over rabbitmq-c.
///
/// Each instance owns one broker connection on one dedicated thread (never the
/// cooperative pool). Run it in the service group; it connects, declares `topology`,
/// and reconnects with backoff whenever the connection or a channel is lost, re-attaching
/// its consumers. Publishes are confirmed by the broker before they return; many can be
/// in flight at once. RabbitMQ advises separate connections for publishing and
/// consuming (flow control on one must not stall the other), so services create two.
public final class AMQPConnection: Service, Sendable {
    private let worker: ConnectionWorker

    public init(configuration: AMQPConfiguration, topology: AMQPTopology, logger: Logger) {
        self.worker = ConnectionWorker(configuration: configuration, topology: topology, logger: logger)
    }

    /// Whether the connection is up with its topology declared (for `/health/ready`).
    public var isConnected: Bool { worker.isConnected }

    /// The queues whose consumers are registered but not attached right now (the broker
    /// closed their channel, the queue is missing): readiness reports them, since a
    /// consumer that is not attached consumes nothing while the connection looks fine.
    public var detachedConsumerQueues: [String] { worker.detachedQueues }

    /// Runs the connection until graceful shutdown (then waits up to 3 s for outstanding
    /// confirms and closes) or cancellation (closes at once).
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await worker.run()
            } onGracefulShutdown: {
                self.worker.requestStop()
            }
        } onCancel: {
            // Out of shutdown time: close without waiting for confirms (ServiceLifecycle
            // allows cancellation one second; what was not confirmed is published again).
            self.worker.requestStop(waitingForConfirms: false)
        }
    }

    /// Stops the connection (for tests and tools that do not use a service group).
    public func stop() {
        worker.requestStop()
    }

    /// Publishes one message and returns once the broker confirmed it.
    /// - Throws: ``AMQPError`` when it was nacked, returned as unroutable, its channel was
    ///   closed (e.g. a missing exchange), or the connection was lost before the confirm.
    public func publish(_ message: AMQPMessage) async throws(AMQPError) {
        if let error = await publish(batch: [message]).first ?? nil { throw error }
    }

    /// Publishes many messages at once (one hand-over to the connection thread, confirms
    /// awaited together) and returns each one's outcome, `nil` meaning confirmed.
    public func publish(batch messages: [AMQPMessage]) async -> [AMQPError?] {
        let prepared = messages.map { message -> AMQPMessage in
            var message = message
            // Returns are matched to publishes by message id, so every message has one.
            if message.properties.messageID == nil { message.properties.messageID = UUID().uuidString }
            return message
        }
        return await withCheckedContinuation { continuation in
            worker.submit(.publish(prepared, ConfirmBatch(count: prepared.count, continuation: continuation)))
        }
    }

    /// Starts consuming `queue` with manual acks and at most `prefetch` unacked deliveries.
    /// The stream ends after ``cancelConsumers()`` or shutdown; it survives reconnects.
    public func consume(queue: String, prefetch: UInt16) -> AsyncStream<AMQPDelivery> {
        consume(queue: queue, prefetch: prefetch, tag: "\(queue).\(UUID().uuidString.prefix(8))")
    }

    /// Like ``consume(queue:prefetch:)`` with a consumer tag of the caller's, so that this
    /// consumer alone can be cancelled with ``cancelConsumer(tag:)``.
    public func consume(queue: String, prefetch: UInt16, tag: String) -> AsyncStream<AMQPDelivery> {
        let (stream, continuation) = AsyncStream<AMQPDelivery>.makeStream()
        worker.submit(.consume(ConsumerRegistration(queue: queue, prefetch: prefetch, tag: tag, continuation: continuation)))
        return stream
    }

    /// Stops one consumer; its stream ends once the broker confirmed.
    public func cancelConsumer(tag: String) async {
        await withCheckedContinuation { continuation in
            worker.submit(.cancelConsumer(tag: tag, continuation))
        }
    }

    /// Stops every consumer of this connection (no new deliveries); deliveries already
    /// handed out can still be acked.
    public func cancelConsumers() async {
        await withCheckedContinuation { continuation in
            worker.submit(.cancelConsumers(continuation))
        }
    }

    /// Runs a topology operation on the connection thread and returns its answer (the
    /// message count, for the questions); fails when not connected or refused.
    @discardableResult
    public func manage(_ operation: AMQPManagementOperation) async throws(AMQPError) -> UInt32? {
        let result = await withCheckedContinuation { continuation in
            worker.submit(.manage(operation, continuation))
        }
        return try result.get()
    }

    /// Acknowledges a delivery. Call only after its effect is committed.
    public func ack(_ delivery: AMQPDelivery) {
        worker.submit(.ack(channel: delivery.channel, generation: delivery.generation, tags: [delivery.deliveryTag]))
    }

    /// Acknowledges many deliveries with one hand-over to the connection thread, in as few
    /// frames as is safe (``UnsettledDeliveries``). Call only after their effects are committed.
    public func ack(all deliveries: [AMQPDelivery]) {
        guard !deliveries.isEmpty else { return }
        var channels: [(channel: UInt16, generation: UInt64, tags: [UInt64])] = []
        for delivery in deliveries {
            if let index = channels.firstIndex(where: { $0.channel == delivery.channel && $0.generation == delivery.generation }) {
                channels[index].tags.append(delivery.deliveryTag)
            } else {
                channels.append((delivery.channel, delivery.generation, [delivery.deliveryTag]))
            }
        }
        worker.submit(channels.map { .ack(channel: $0.channel, generation: $0.generation, tags: $0.tags) })
    }

    /// Negatively acknowledges a delivery: requeued for another try, or (with
    /// `requeue: false`) dead-lettered by the queue's policy.
    public func reject(_ delivery: AMQPDelivery, requeue: Bool) {
        worker.submit(.reject(channel: delivery.channel, generation: delivery.generation, tag: delivery.deliveryTag, requeue: requeue))
    }
}
