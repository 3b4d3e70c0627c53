public import Logging
import Metrics
public import ServiceLifecycle
import Foundation

/// Runs a handler over one queue's deliveries with bounded concurrency, acking only
/// after the handler returns (that is: after its transaction committed).
///
/// Deliveries with the same ordering key (a conversation) always go to the same lane
/// and are handled one after another, in delivery order; different keys run in parallel
/// on up to `concurrency` lanes. On graceful shutdown it cancels the consumer, finishes
/// what it holds and returns.
public struct AMQPConsumer: Service {
    public typealias Handler = @Sendable (AMQPDelivery) async -> AMQPHandlingResult

    private let connection: AMQPConnection
    private let publisher: AMQPConnection
    private let queue: String
    private let prefetch: UInt16
    private let concurrency: Int
    private let orderingKey: @Sendable (AMQPDelivery) -> String?
    private let handler: Handler
    private let logger: Logger
    private let source: String
    private let waitUntilReady: @Sendable () async -> Void

    /// - Parameters:
    ///   - connection: consumes and acks.
    ///   - publisher: republishes dead letters with their reason (confirmed before the ack).
    ///   - source: the service name recorded on dead letters.
    ///   - waitUntilReady: awaited before consuming starts (migrations applied).
    public init(
        connection: AMQPConnection,
        publisher: AMQPConnection,
        queue: String,
        prefetch: UInt16 = 64,
        concurrency: Int = 8,
        source: String,
        logger: Logger,
        waitUntilReady: @escaping @Sendable () async -> Void = {},
        orderingKey: @escaping @Sendable (AMQPDelivery) -> String? = { _ in nil },
        handler: @escaping Handler
    ) {
        self.connection = connection
        self.publisher = publisher
        self.queue = queue
        self.prefetch = prefetch
        self.concurrency = max(1, concurrency)
        self.orderingKey = orderingKey
        self.handler = handler
        self.logger = logger
        self.source = source
        self.waitUntilReady = waitUntilReady
    }

    public func run() async throws {
        // Consume only once the schema is migrated: a delivery must find its tables.
        await waitUntilReady()
        let deliveries = connection.consume(queue: queue, prefetch: prefetch)
        let lanes = (0..<concurrency).map { _ in AsyncStream<AMQPDelivery>.makeStream() }
        let handled = Counter(label: "switchboard_messaging_handled_total", dimensions: [("queue", queue)])
        let deadLettered = Counter(label: "switchboard_messaging_dead_lettered_total", dimensions: [("queue", queue)])
        let retried = Counter(label: "switchboard_messaging_retried_total", dimensions: [("queue", queue)])
        let duration = Timer(label: "switchboard_messaging_handle_duration_seconds", dimensions: [("queue", queue)], preferredDisplayUnit: .seconds)

        await withTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    for await delivery in lane.stream {
                        let start = ContinuousClock.now
                        let result = await handler(delivery)
                        duration.recordNanoseconds(Int64((ContinuousClock.now - start).components.attoseconds / 1_000_000_000)
                            + (ContinuousClock.now - start).components.seconds * 1_000_000_000)
                        switch result {
                        case .ack:
                            handled.increment()
                            connection.ack(delivery)
                        case .retry(let reason):
                            retried.increment()
                            logger.warning("message will be retried", metadata: [
                                "queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")",
                                "reason": "\(reason)", "previous_deliveries": "\(delivery.previousDeliveries)",
                            ])
                            connection.reject(delivery, requeue: true)
                        case .deadLetter(let reason):
                            deadLettered.increment()
                            await deadLetter(delivery, reason: reason)
                        }
                    }
                }
            }
            group.addTask {
                await withGracefulShutdownHandler {
                    var roundRobin = 0
                    for await delivery in deliveries {
                        let index: Int
                        if let key = orderingKey(delivery) {
                            index = Int(Self.stableHash(key) % UInt64(lanes.count))
                        } else {
                            index = roundRobin % lanes.count
                            roundRobin &+= 1
                        }
                        lanes[index].continuation.yield(delivery)
                    }
                } onGracefulShutdown: {
                    Task { await connection.cancelConsumers() }
                }
                for lane in lanes { lane.continuation.finish() }
            }
        }
    }

    /// Republishes the delivery to the dead-letter exchange with its reason, then acks it.
    /// If that publish fails the delivery is requeued instead: never lost.
    private func deadLetter(_ delivery: AMQPDelivery, reason: String) async {
        var properties = delivery.properties
        properties.headers["x-switchboard-error"] = .string(reason)
        properties.headers["x-switchboard-queue"] = .string(queue)
        properties.headers["x-switchboard-source"] = .string(source)
        properties.headers["x-switchboard-routing-key"] = .string(delivery.routingKey)
        properties.messageID = properties.messageID ?? UUID().uuidString
        let message = AMQPMessage(
            exchange: SwitchboardTopology.deadLetterExchange, routingKey: queue, body: delivery.body,
            properties: properties, mandatory: true
        )
        do {
            try await publisher.publish(message)
            logger.warning("message dead-lettered", metadata: [
                "queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")", "reason": "\(reason)",
            ])
            connection.ack(delivery)
        } catch {
            logger.error("could not dead-letter message; requeueing", metadata: ["queue": "\(queue)", "reason": "\(error)"])
            connection.reject(delivery, requeue: true)
        }
    }

    /// FNV-1a: stable across processes, unlike `Hasher`.
    static func stableHash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
