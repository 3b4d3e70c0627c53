import Foundation
public import Logging
import Metrics
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Runs a handler over one queue's deliveries with bounded concurrency, acking only
/// after the handler returns (that is: after its transaction committed).
///
/// Deliveries with the same ordering key (a conversation) are handled one after another,
/// in delivery order; different keys run in parallel on up to `concurrency` workers, each
/// taking everything waiting that it may (``KeyedBatchScheduler``). A delivery that failed
/// transiently is kept and tried again after a wait, its conversation held meanwhile, and
/// failures during an outage are not counted (``RedeliveryPolicy``). On graceful shutdown
/// it cancels the consumer, finishes what it holds and returns.
public struct AMQPConsumer: Service {
    public typealias Handler = @Sendable (AMQPDelivery) async -> AMQPHandlingResult
    /// Handles a batch of deliveries (each key's in delivery order) and returns one result each.
    public typealias BatchHandler = @Sendable ([AMQPDelivery]) async -> [AMQPHandlingResult]

    private let connection: AMQPConnection
    private let publisher: AMQPConnection
    private let queue: String
    private let prefetch: UInt16
    private let concurrency: Int
    private let orderingKey: @Sendable (AMQPDelivery) -> String?
    private let handler: BatchHandler
    private let maxBatch: Int
    private let linger: BatchLinger
    private let logger: Logger
    private let source: String
    private let waitUntilReady: @Sendable () async -> Void
    private let dependenciesHealthy: @Sendable () async -> Bool
    private let redelivery: RedeliveryPolicy
    private let progress: ProgressMonitor?
    private let deadLetterExchange: String
    private let shutdownDrainLimit: Duration

    /// - Parameters:
    ///   - connection: consumes and acks.
    ///   - publisher: republishes dead letters with their reason (confirmed before the ack).
    ///   - source: the service name recorded on dead letters.
    ///   - waitUntilReady: awaited before consuming starts (migrations applied).
    ///   - dependenciesHealthy: asked when a delivery failed transiently: false means an
    ///     outage (the database is unreachable), whose failures do not count toward giving
    ///     the delivery back (``RedeliveryPolicy``).
    ///   - progress: told of every delivery held and settled, for readiness (``ProgressMonitor``).
    ///   - deadLetterExchange: where dead letters are republished (Switchboard's own in production).
    ///   - shutdownDrainLimit: how long graceful shutdown lets the handlers finish what they
    ///     hold before cancelling them (their deliveries go back to the broker unacked): the
    ///     service's whole shutdown has 10 s, and a handler stuck on an unreachable database
    ///     would otherwise use them all.
    public init(
        connection: AMQPConnection,
        publisher: AMQPConnection,
        queue: String,
        prefetch: UInt16 = 64,
        concurrency: Int = 8,
        source: String,
        logger: Logger,
        waitUntilReady: @escaping @Sendable () async -> Void = {},
        dependenciesHealthy: @escaping @Sendable () async -> Bool = { true },
        redelivery: RedeliveryPolicy = RedeliveryPolicy(),
        progress: ProgressMonitor? = nil,
        deadLetterExchange: String = SwitchboardTopology.deadLetterExchange,
        shutdownDrainLimit: Duration = .seconds(3),
        orderingKey: @escaping @Sendable (AMQPDelivery) -> String? = { _ in nil },
        handler: @escaping Handler
    ) {
        self.init(
            connection: connection, publisher: publisher, queue: queue, prefetch: prefetch, concurrency: concurrency,
            source: source, logger: logger, waitUntilReady: waitUntilReady, dependenciesHealthy: dependenciesHealthy,
            redelivery: redelivery, progress: progress, deadLetterExchange: deadLetterExchange, shutdownDrainLimit: shutdownDrainLimit,
            orderingKey: orderingKey, maxBatch: 1,
            batchHandler: { deliveries in
                var results: [AMQPHandlingResult] = []
                for delivery in deliveries { results.append(await handler(delivery)) }
                return results
            }
        )
    }

    /// A consumer whose handler takes batches of up to `maxBatch` deliveries; a free worker
    /// waits for more while they stream in, up to `linger` (``BatchLinger``).
    public init(
        connection: AMQPConnection,
        publisher: AMQPConnection,
        queue: String,
        prefetch: UInt16 = 64,
        concurrency: Int = 8,
        source: String,
        logger: Logger,
        waitUntilReady: @escaping @Sendable () async -> Void = {},
        dependenciesHealthy: @escaping @Sendable () async -> Bool = { true },
        redelivery: RedeliveryPolicy = RedeliveryPolicy(),
        progress: ProgressMonitor? = nil,
        deadLetterExchange: String = SwitchboardTopology.deadLetterExchange,
        shutdownDrainLimit: Duration = .seconds(3),
        orderingKey: @escaping @Sendable (AMQPDelivery) -> String? = { _ in nil },
        maxBatch: Int,
        linger: BatchLinger = .off,
        batchHandler: @escaping BatchHandler
    ) {
        self.linger = linger
        self.dependenciesHealthy = dependenciesHealthy
        self.redelivery = redelivery
        self.progress = progress
        self.deadLetterExchange = deadLetterExchange
        self.shutdownDrainLimit = shutdownDrainLimit
        self.maxBatch = max(1, maxBatch)
        self.connection = connection
        self.publisher = publisher
        self.queue = queue
        self.prefetch = prefetch
        self.concurrency = max(1, concurrency)
        self.orderingKey = orderingKey
        self.handler = batchHandler
        self.logger = logger
        self.source = source
        self.waitUntilReady = waitUntilReady
    }

    public func run() async throws {
        // Consume only once the schema is migrated: a delivery must find its tables.
        await waitUntilReady()
        // Told to stop before the schema was ready: nothing was taken, nothing to finish.
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let tag = "\(source).\(queue).\(UUID().uuidString.prefix(8))"
        let deliveries = connection.consume(queue: queue, prefetch: prefetch, tag: tag)
        let scheduler = KeyedBatchScheduler<AMQPDelivery>(linger: linger)
        let handled = Counter(label: "switchboard_messaging_handled_total", dimensions: [("queue", queue)])
        let deadLettered = Counter(label: "switchboard_messaging_dead_lettered_total", dimensions: [("queue", queue)])
        let retried = Counter(label: "switchboard_messaging_retried_total", dimensions: [("queue", queue)])
        let duration = Timer(label: "switchboard_messaging_batch_duration_seconds", dimensions: [("queue", queue)], preferredDisplayUnit: .seconds)

        let attempts = RedeliveryAttempts()
        // Deliveries left to the broker while shutting down (see `.giveBack`), nacked together
        // once the drain is over, in the order the broker delivered them.
        let leftToBroker = NIOLockedValueBox<[AMQPDelivery]>([])
        defer { giveBack(leftToBroker.withLockedValue { $0 }) }
        await withTaskGroup(of: Role.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var outageStreak = 0
                    while let scheduled = await scheduler.nextBatch(max: maxBatch) {
                        let batch = scheduled.elements
                        let start = ContinuousClock.now
                        let results = await handler(batch)
                        let elapsed = ContinuousClock.now - start
                        duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                        var acks: [AMQPDelivery] = []
                        var settled = 0
                        var failed: [(index: Int, reason: String)] = []
                        for (index, (delivery, result)) in zip(batch, results).enumerated() {
                            switch result {
                            case .ack:
                                acks.append(delivery)
                            case .retry(let reason):
                                failed.append((index, reason))
                            case .deadLetter(let reason):
                                if await deadLetter(delivery, reason: reason) {
                                    attempts.forget([delivery])
                                    deadLettered.increment()
                                    settled += 1
                                } else {
                                    // Kept, its conversation held, and dead-lettered again after a wait.
                                    failed.append((index, "could not be dead-lettered (\(reason))"))
                                }
                            }
                        }
                        // A handler that returned too few results: the rest are tried again.
                        for index in min(results.count, batch.count)..<batch.count {
                            failed.append((index, "the handler returned no result for it"))
                        }
                        handled.increment(by: acks.count)
                        connection.ack(all: acks)
                        attempts.forget(acks)
                        settled += acks.count
                        if settled > 0 {
                            progress?.completed()
                            progress?.release(settled)
                        }
                        guard !failed.isEmpty else {
                            outageStreak = 0
                            scheduler.finish(scheduled)
                            continue
                        }
                        // Their conversations stay held while we wait, so nothing later of
                        // theirs is handled first (issue #19).
                        // Shutting down, each goes back to the broker: no probe to wait for.
                        let shuttingDown = scheduler.isClosed || Task.isCancelled
                        let healthy = shuttingDown ? true : await dependenciesHealthy()
                        outageStreak = healthy ? 0 : outageStreak + 1
                        var returning: [Int] = []
                        var givenBack: [Int] = []
                        var wait = Duration.zero
                        for (index, reason) in failed {
                            let delivery = batch[index]
                            let counted = healthy ? attempts.record(delivery) : attempts.count(delivery)
                            let decision = redelivery.decide(
                                countedFailures: counted, dependenciesHealthy: healthy, outageStreak: outageStreak,
                                shuttingDown: shuttingDown
                            )
                            retried.increment()
                            switch decision {
                            case .tryAgain(let after, _):
                                returning.append(index)
                                wait = max(wait, after)
                                logger.log(
                                    level: healthy ? .warning : .notice, "message will be retried",
                                    metadata: [
                                        "queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")", "reason": "\(reason)",
                                        "attempt": "\(counted)", "dependencies": "\(healthy ? "healthy" : "unhealthy")",
                                    ])
                            case .deadLetter:
                                // A poison message: settled here, its conversation still held, so
                                // the conversation's next message is never handled before it.
                                let why = "failed \(counted) times while its dependencies were healthy; last: \(reason)"
                                if await deadLetter(delivery, reason: why) {
                                    attempts.forget([delivery])
                                    deadLettered.increment()
                                    progress?.completed()
                                    progress?.release()
                                } else {
                                    returning.append(index)
                                    wait = max(wait, redelivery.maxBackoff)
                                }
                            case .giveBack:
                                attempts.forget([delivery])
                                logger.warning(
                                    "message left to the broker",
                                    metadata: [
                                        "queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")", "reason": "\(reason)",
                                        "previous_deliveries": "\(delivery.previousDeliveries)",
                                    ])
                                // Not nacked yet: a nack now would requeue it at once, and the
                                // broker could hand it straight back to this channel behind its
                                // conversation's later messages (held here, unacked), or to
                                // another replica before them. It is nacked with them, in
                                // order, when the drain is over.
                                givenBack.append(index)
                                leftToBroker.withLockedValue { $0.append(delivery) }
                                progress?.completed()
                                progress?.release()
                            }
                        }
                        if !returning.isEmpty { await pause(for: wait, unless: scheduler) }
                        // A conversation whose message is left to the broker is not handled
                        // further here: its later messages, still waiting, would otherwise be
                        // committed before it. They are nacked with it, in order, at the end.
                        let abandoned = scheduler.finish(scheduled, returning: returning, abandoning: givenBack)
                        if !abandoned.isEmpty {
                            logger.notice(
                                "conversation left to the broker; so are its later messages",
                                metadata: ["queue": "\(queue)", "left": "\(abandoned.count)"])
                            leftToBroker.withLockedValue { $0 += abandoned }
                            progress?.release(abandoned.count)
                        }
                    }
                    return .worker
                }
            }
            group.addTask {
                await withGracefulShutdownHandler {
                    for await delivery in deliveries {
                        progress?.hold()
                        if !scheduler.push(delivery, key: orderingKey(delivery)) {
                            leftToBroker.withLockedValue { $0.append(delivery) }
                            progress?.release()
                        }
                    }
                } onGracefulShutdown: {
                    // Only this consumer: the connection's other consumers shut down in their turn.
                    Task { await connection.cancelConsumer(tag: tag) }
                }
                scheduler.close()
                return .feeder
            }
            group.addTask {
                // Ends by cancellation once the workers are done; fires only if they are not.
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: shutdownDrainLimit)
                    return .drainTimeUp
                } catch {
                    return .watchdogCancelled
                }
            }
            var running = concurrency + 1
            while running > 0, let role = await group.next() {
                switch role {
                case .worker, .feeder:
                    running -= 1
                case .drainTimeUp:
                    // Handlers stuck on a database that does not answer: cancelled, they return
                    // at once (``Deadline``) and their deliveries go back to the broker
                    // unacknowledged, to be handled again (a redelivery is a no-op if it had
                    // committed after all).
                    logger.warning(
                        "handlers still running at the end of the shutdown drain; cancelling them",
                        metadata: ["queue": "\(queue)", "drain_limit": "\(shutdownDrainLimit)"])
                    group.cancelAll()
                case .watchdogCancelled:
                    break
                }
            }
            group.cancelAll()
        }
    }

    /// What a task of ``run()``'s group was, when it ends.
    private enum Role: Sendable {
        case worker, feeder, drainTimeUp, watchdogCancelled
    }

    /// Nacks (requeue) what the drain left to the broker, in the order it was delivered, so
    /// that each conversation's messages go back in their order, the earliest first.
    private func giveBack(_ deliveries: [AMQPDelivery]) {
        let ordered = deliveries.sorted { ($0.generation, $0.channel, $0.deliveryTag) < ($1.generation, $1.channel, $1.deliveryTag) }
        for delivery in ordered { connection.reject(delivery, requeue: true) }
    }

    /// Waits `duration`, or less once the consumer is shutting down (it then gives the
    /// delivery back instead of trying again).
    private func pause(for duration: Duration, unless scheduler: KeyedBatchScheduler<AMQPDelivery>) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !scheduler.isClosed, !Task.isCancelled {
            try? await Task.sleep(for: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
    }

    /// Republishes the delivery to the dead-letter exchange with its reason (confirmed), then
    /// acks it. Returns false when that publish fails: the caller keeps the delivery, its
    /// conversation held, and tries again later — never lost, and never overtaken by the
    /// conversation's next message, as a requeue would let it be.
    private func deadLetter(_ delivery: AMQPDelivery, reason: String) async -> Bool {
        var properties = delivery.properties
        properties.headers["x-switchboard-error"] = .string(reason)
        properties.headers["x-switchboard-queue"] = .string(queue)
        properties.headers["x-switchboard-source"] = .string(source)
        properties.headers["x-switchboard-routing-key"] = .string(delivery.routingKey)
        properties.messageID = properties.messageID ?? UUID().uuidString
        let message = AMQPMessage(
            exchange: deadLetterExchange, routingKey: queue, body: delivery.body,
            properties: properties, mandatory: true
        )
        do {
            try await publisher.publish(message)
            logger.warning(
                "message dead-lettered",
                metadata: [
                    "queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")", "reason": "\(reason)",
                ])
            connection.ack(delivery)
            return true
        } catch {
            logger.error(
                "could not dead-letter message; keeping it and trying again",
                metadata: ["queue": "\(queue)", "message_id": "\(delivery.properties.messageID ?? "-")", "reason": "\(error)"])
            return false
        }
    }
}
