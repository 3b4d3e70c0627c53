import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase

/// Keeps `ingest.outbound`'s bindings on `switchboard.outbound` in step with the channel
/// table (docs/decisions.md, "Outbound routing"): one binding `sms.<channel>` per channel
/// ingest sends for, none for the others, whose replies the exchange's alternate exchange
/// keeps in `outbound.unrouted`.
///
/// A pass runs at start, whenever this replica saved or deleted a channel, every 15 s
/// (another replica's change, a broker that lost its bindings) and a second after a pass
/// that failed. It holds an advisory lock so
/// replicas never undo each other's pass, binds every sending channel (idempotent), unbinds
/// those it bound before that no longer send (`ingest.outbound_bindings`), and reports how
/// many replies wait unrouted (`switchboard_outbound_unrouted_messages`).
struct OutboundBindings: Service {
    let schema: String
    let channels: PostgresChannelStore
    let client: PostgresClient
    let connection: AMQPConnection
    let signal: OutboxSignal
    let waitUntilReady: @Sendable () async -> Void
    /// Holds one unit of work while passes fail, so bindings that cannot be kept in step
    /// for a minute make readiness 503 (``ProgressMonitor``).
    let progress: ProgressMonitor?
    let logger: Logger
    static let period: Duration = .seconds(15)
    static let retryAfterFailure: Duration = .seconds(1)

    func run() async throws {
        await waitUntilReady()
        let unrouted = Gauge(label: "switchboard_outbound_unrouted_messages")
        let legacy = LegacyOutboundQueue(connection: connection, logger: logger)
        var legacyDone = false
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask { for await _ in signal.wakeups { wake.yield() } }
            group.addTask {
                while !Task.isCancelled {
                    wake.yield()
                    try? await Task.sleep(for: Self.period)
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    do {
                        try await reconcile()
                        // Under a deadline, like the pass: a broker that does not answer must
                        // not hold this service, and the ones stopped after it, at shutdown.
                        let counted = try await Deadline.run(.seconds(5), "counting the unrouted replies") { [connection] in
                            try await connection.manage(.messageCount(queue: QueueName.outboundUnrouted.rawValue))
                        }
                        if let count = counted {
                            unrouted.record(Int(count))
                        }
                        // Once bindings exist, what an earlier version left in outbound.sms can go round again.
                        if !legacyDone { legacyDone = await legacy.drain() }
                        progress?.completed()
                        if let progress, progress.heldCount > 0 { progress.release(progress.heldCount) }
                    } catch {
                        if let progress, progress.heldCount == 0 { progress.hold() }
                        // Soon, not at the next period: replies meanwhile would wait unrouted.
                        logger.warning("outbound bindings not reconciled; will retry", metadata: ["reason": "\(error)"])
                        group.addTask {
                            try? await Task.sleep(for: Self.retryAfterFailure)
                            wake.yield()
                        }
                    }
                }
            } onGracefulShutdown: {
                wake.finish()
            }
            group.cancelAll()
        }
    }

    /// One pass, under the lock.
    func reconcile() async throws {
        try await Deadline.run(.seconds(20), "reconciling the outbound bindings") {
            try await client.withTransaction(logger: logger) { db in
                try await db.query("SELECT pg_advisory_xact_lock(hashtext('ingest.outbound_bindings'))", logger: logger)
                let sending = try await channels.sendingChannelNames(on: db, logger: logger)
                var bound = Set<String>()
                for try await name in try await db.query("SELECT channel FROM \(unescaped: schema).outbound_bindings", logger: logger)
                    .decode(String.self)
                { bound.insert(name) }
                for name in sending.sorted() {
                    try await connection.manage(
                        .bind(queue: QueueName.ingestOutbound.rawValue, exchange: SwitchboardTopology.outboundExchange, routingKey: "sms.\(name)"))
                    if !bound.contains(name) {
                        try await db.query(
                            "INSERT INTO \(unescaped: schema).outbound_bindings (channel) VALUES (\(name)) ON CONFLICT DO NOTHING", logger: logger)
                        logger.info("outbound binding added", metadata: ["channel": "\(name)"])
                    }
                }
                for name in bound.subtracting(sending).sorted() {
                    try await connection.manage(
                        .unbind(queue: QueueName.ingestOutbound.rawValue, exchange: SwitchboardTopology.outboundExchange, routingKey: "sms.\(name)"))
                    try await db.query("DELETE FROM \(unescaped: schema).outbound_bindings WHERE channel = \(name)", logger: logger)
                    logger.info("outbound binding removed", metadata: ["channel": "\(name)"])
                }
            }
        }
    }
}
