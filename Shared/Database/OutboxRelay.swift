import Foundation
public import Logging
import Metrics
public import PostgresNIO
public import ServiceLifecycle
public import SwitchboardAMQP

/// Publishes committed outbox rows to RabbitMQ with publisher confirms and deletes them
/// only after the broker confirmed them (the outbox holds what is still to be sent).
///
/// Woken the moment one of its own process's transactions that wrote to the outbox commits
/// (``OutboxSignal``), by `NOTIFY <schema>_outbox` from anyone else, and by a slow safety
/// tick (rows another replica committed while its relay was stopped). One relay per schema
/// works at a time (`pg_advisory_xact_lock`: a relay woken while another replica's drains
/// waits its turn and then drains too, so no committed row waits for the tick), so events
/// leave in commit order even with several replicas. On graceful shutdown it drains once more.
public struct OutboxRelay: Service {
    private let client: PostgresClient
    private let outbox: Outbox
    private let publisher: AMQPConnection
    private let service: String
    private let logger: Logger
    private let batchSize: Int
    private let safetyTick: Duration
    private let waitUntilReady: @Sendable () async -> Void

    public init(
        client: PostgresClient, outbox: Outbox, publisher: AMQPConnection, service: String, logger: Logger,
        batchSize: Int = 500, safetyTick: Duration = .seconds(2), waitUntilReady: @escaping @Sendable () async -> Void = {}
    ) {
        self.waitUntilReady = waitUntilReady
        self.client = client
        self.outbox = outbox
        self.publisher = publisher
        self.service = service
        self.logger = logger
        self.batchSize = batchSize
        self.safetyTick = safetyTick
    }

    public func run() async throws {
        // The outbox table exists once migrations are applied.
        await waitUntilReady()
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let published = Counter(label: "switchboard_outbox_published_total")
        let failures = Counter(label: "switchboard_outbox_publish_failures_total")

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listen(wake: wake) }
            group.addTask {
                for await _ in outbox.signal.wakeups { wake.yield() }
            }
            group.addTask {
                var ticks = 0
                let janitor = OutboxJanitor(outbox: outbox)
                while !Task.isCancelled {
                    wake.yield()
                    ticks += 1
                    if ticks % 300 == 0 {
                        do { try await janitor.purge(client: client, logger: logger) } catch {
                            logger.warning("outbox purge failed", metadata: ["reason": "\(error)"])
                        }
                    }
                    try? await Task.sleep(for: safetyTick)
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    if Task.isCancelled { break }
                    await drain(published: published, failures: failures)
                }
            } onGracefulShutdown: {
                wake.finish()
            }
            // Final flush of whatever committed before shutdown.
            await drain(published: published, failures: failures)
            group.cancelAll()
        }
    }

    /// Publishes batches until the outbox is empty or a publish fails.
    private func drain(published: Counter, failures: Counter) async {
        while true {
            do {
                let (count, failed) = try await relayBatch()
                published.increment(by: count - failed)
                failures.increment(by: failed)
                if failed > 0 || count < batchSize { return }
            } catch {
                logger.warning("outbox relay failed; will retry", metadata: ["reason": "\(String(reflecting: error))"])
                return
            }
        }
    }

    private func relayBatch() async throws -> (Int, Int) {
        let schema = outbox.schema
        let lockKey = "switchboard.outbox.\(schema)"
        return try await client.withTransaction(logger: logger) { connection -> (Int, Int) in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)

            let rows = try await connection.query("""
                SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body
                FROM \(unescaped: schema).outbox WHERE sent_at IS NULL ORDER BY id LIMIT \(batchSize)
                """, logger: logger)
            var ids: [Int64] = []
            var messages: [AMQPMessage] = []
            let now = Date()
            for try await (id, messageID, exchange, routingKey, type, contentType, correlationID, traceparent, mandatory, body)
                in rows.decode((Int64, String, String, String, String, String, String?, String?, Bool, Data).self)
            {
                ids.append(id)
                messages.append(OutboxMessage(
                    messageID: messageID, exchange: exchange, routingKey: routingKey, type: type, contentType: contentType,
                    correlationID: correlationID, traceparent: traceparent, mandatory: mandatory, body: body
                ).amqpMessage(service: service, now: now))
            }
            guard !messages.isEmpty else { return (0, 0) }

            let outcomes = await publisher.publish(batch: messages)
            var sent: [Int64] = []
            var failed = 0
            for (id, outcome) in zip(ids, outcomes) {
                if let outcome {
                    failed += 1
                    try await connection.query("""
                        UPDATE \(unescaped: schema).outbox SET attempts = attempts + 1, last_error = \(outcome.description)
                        WHERE id = \(id)
                        """, logger: logger)
                } else {
                    sent.append(id)
                }
            }
            if !sent.isEmpty {
                // Confirmed: the row is done (a delete writes no new row version and no index entry).
                try await connection.query("DELETE FROM \(unescaped: schema).outbox WHERE id = ANY(\(sent))", logger: logger)
            }
            if failed > 0 {
                logger.warning("outbox publishes failed; will retry", metadata: [
                    "failed": "\(failed)", "first_error": "\(outcomes.compactMap { $0 }.first.map { "\($0)" } ?? "")",
                ])
            }
            return (messages.count, failed)
        }
    }

    /// Holds a connection in `LISTEN` and turns notifications into wake-ups; reconnects on loss.
    private func listen(wake: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: outbox.notifyChannel) { notifications in
                        wake.yield()
                        for try await _ in notifications { wake.yield() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("outbox LISTEN connection lost; retrying", metadata: ["reason": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
