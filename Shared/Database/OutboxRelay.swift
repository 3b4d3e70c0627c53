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
/// leave in commit order even with several replicas; a batch takes one row per
/// conversation, and a row the broker refuses waits and is finally parked
/// (``OutboxRetryPolicy``). On graceful shutdown it drains once more.
public struct OutboxRelay: Service {
    private let client: PostgresClient
    private let outbox: Outbox
    private let publisher: AMQPConnection
    private let service: String
    private let logger: Logger
    private let batchSize: Int
    private let safetyTick: Duration
    private let waitUntilReady: @Sendable () async -> Void
    private let retryPolicy: OutboxRetryPolicy
    private let progress: ProgressMonitor?
    private let listening: ProgressMonitor?

    public init(
        client: PostgresClient, outbox: Outbox, publisher: AMQPConnection, service: String, logger: Logger,
        batchSize: Int = 500, safetyTick: Duration = .seconds(2), retryPolicy: OutboxRetryPolicy = OutboxRetryPolicy(),
        progress: ProgressMonitor? = nil, listening: ProgressMonitor? = nil,
        waitUntilReady: @escaping @Sendable () async -> Void = {}
    ) {
        self.retryPolicy = retryPolicy
        self.progress = progress
        self.listening = listening
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
        // Told to stop before the schema was ready: the outbox may not even exist yet.
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let counters = Counters(
            published: Counter(label: "switchboard_outbox_published_total"),
            failures: Counter(label: "switchboard_outbox_publish_failures_total"),
            parked: Counter(label: "switchboard_outbox_parked_total")
        )

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listen(wake: wake) }
            group.addTask {
                for await _ in outbox.signal.wakeups { wake.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    wake.yield()
                    try? await Task.sleep(for: safetyTick)
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    if Task.isCancelled { break }
                    await drain(counters)
                }
            } onGracefulShutdown: {
                wake.finish()
            }
            // Final flush of whatever committed before shutdown, within the shutdown budget
            // (a database that does not answer must not hold the exit; the rows stay for the
            // next start or another replica).
            _ = try? await Deadline.run(.seconds(4), "the final outbox flush") { await drain(counters) }
            group.cancelAll()
        }
    }

    struct Counters {
        let published: Counter
        let failures: Counter
        let parked: Counter
    }

    /// Publishes batches until the outbox is empty or a publish fails. While drains fail,
    /// `progress` holds one unit of work, so a relay that keeps failing is reported stalled.
    private func drain(_ counters: Counters) async {
        while true {
            do {
                // A batch that hangs (seen: a connection that died in a PostgreSQL restart
                // and that the pool never failed) becomes an error and a retry after 15 s,
                // never a relay that stops for good. A batch whose publish merely waits
                // longer for its confirms (up to 30 s) goes on in the background, holding
                // the schema's lock, and the next batch waits for that lock: nothing is
                // published twice, and the waits end with the confirm timeout.
                let outcome = try await Deadline.run(.seconds(15), "an outbox relay batch of \(outbox.schema)") {
                    try await relayBatch(counters)
                }
                counters.published.increment(by: outcome.published)
                counters.failures.increment(by: outcome.failed)
                if outcome.published > 0 || outcome.failed == 0 { markProgress() }
                if outcome.failed > 0 {
                    markFailing()
                    return
                }
                if !outcome.more { return }
            } catch {
                markFailing()
                logger.warning("outbox relay failed; will retry", metadata: ["reason": "\(String(reflecting: error))"])
                return
            }
        }
    }

    private func markProgress() {
        progress?.completed()
        if let progress, progress.heldCount > 0 { progress.release(progress.heldCount) }
    }

    private func markFailing() {
        if let progress, progress.heldCount == 0 { progress.hold() }
    }

    struct BatchOutcome {
        var published = 0
        var failed = 0
        /// Rows are left that this batch did not take (a full batch, or later rows of a
        /// conversation that had one in it).
        var more = false
    }

    /// One batch, in one transaction under the schema's advisory lock: the oldest unsent
    /// rows, **at most one per conversation** (`correlation_id`), none of a conversation
    /// whose earlier row waits for a retry. So a conversation's events leave in order even
    /// when one of them fails: nothing later of it is published until it is confirmed.
    /// A row the broker refuses on its own (unroutable, nacked, its exchange missing) waits
    /// `OutboxRetryPolicy` before its next try, and after ``parkAfter`` tries moves to
    /// `<schema>.outbox_parked` with its last error (logged at error, counted by
    /// `switchboard_outbox_parked_total`), so it no longer holds up its conversation; an
    /// operator re-queues it with `INSERT INTO <schema>.outbox (…) SELECT … FROM
    /// <schema>.outbox_parked`. A failure of the connection itself counts toward nothing:
    /// the relay tries again on its next wake-up.
    private func relayBatch(_ counters: Counters) async throws -> BatchOutcome {
        let schema = outbox.schema
        let lockKey = "switchboard.outbox.\(schema)"
        return try await client.withTransaction(logger: logger) { connection -> BatchOutcome in
            // This transaction's commit only deletes rows the broker confirmed: it need not
            // wait for its WAL flush (a crash that loses it publishes those rows again, which
            // consumers' inboxes absorb, section 5), and the relay's next batch, which the
            // flush held up, is what the next events wait for (issue #17). One round trip
            // for both settings.
            try await connection.query(
                "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)

            // The oldest unsent rows, none of a conversation that has a row waiting for its retry.
            let rows = try await connection.query(
                """
                SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body, attempts
                FROM \(unescaped: schema).outbox
                WHERE sent_at IS NULL AND (retry_at IS NULL OR retry_at <= now())
                  AND (correlation_id IS NULL OR correlation_id NOT IN (
                      SELECT correlation_id FROM \(unescaped: schema).outbox
                      WHERE retry_at IS NOT NULL AND retry_at > now() AND correlation_id IS NOT NULL))
                ORDER BY id LIMIT \(batchSize)
                """, logger: logger)
            var ids: [Int64] = []
            var attempts: [Int] = []
            var messages: [AMQPMessage] = []
            var inBatch = Set<String>()
            var selected = 0
            var deferred = 0
            let now = Date()
            for try await (id, messageID, exchange, routingKey, type, contentType, correlationID, traceparent, mandatory, body, tries)
                in rows.decode((Int64, String, String, String, String, String, String?, String?, Bool, Data, Int).self)
            {
                selected += 1
                if let correlationID, !inBatch.insert(correlationID).inserted {
                    deferred += 1
                    continue
                }
                ids.append(id)
                attempts.append(tries)
                messages.append(
                    OutboxMessage(
                        messageID: messageID, exchange: exchange, routingKey: routingKey, type: type, contentType: contentType,
                        correlationID: correlationID, traceparent: traceparent, mandatory: mandatory, body: body
                    ).amqpMessage(service: service, now: now))
            }
            guard !messages.isEmpty else { return BatchOutcome() }

            let outcomes = await publisher.publish(batch: messages)
            var sent: [Int64] = []
            var outcome = BatchOutcome(more: selected == batchSize || deferred > 0)
            for ((id, tries), error) in zip(zip(ids, attempts), outcomes) {
                guard let error else {
                    sent.append(id)
                    continue
                }
                outcome.failed += 1
                try await recordFailure(id: id, attempts: tries, error: error, counters: counters, on: connection)
            }
            outcome.published = sent.count
            if !sent.isEmpty {
                // Confirmed: the row is done (a delete writes no new row version and no index entry).
                try await connection.query("DELETE FROM \(unescaped: schema).outbox WHERE id = ANY(\(sent))", logger: logger)
            }
            if outcome.failed > 0 {
                logger.warning(
                    "outbox publishes failed; will retry",
                    metadata: [
                        "failed": "\(outcome.failed)", "first_error": "\(outcomes.compactMap { $0 }.first.map { "\($0)" } ?? "")",
                    ])
            }
            return outcome
        }
    }

    /// Counts a refusal of the row itself and schedules its retry, or parks it; a failure
    /// of the connection is only noted.
    private func recordFailure(id: Int64, attempts: Int, error: AMQPError, counters: Counters, on connection: PostgresConnection) async throws {
        let schema = outbox.schema
        let policy = retryPolicy
        guard policy.countsAgainstTheMessage(error) else {
            try await connection.query(
                "UPDATE \(unescaped: schema).outbox SET last_error = \(error.description) WHERE id = \(id)", logger: logger
            )
            return
        }
        let tries = attempts + 1
        guard tries < policy.parkAfter else {
            try await connection.query(
                """
                WITH parked AS (DELETE FROM \(unescaped: schema).outbox WHERE id = \(id) RETURNING *)
                INSERT INTO \(unescaped: schema).outbox_parked
                    (id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body,
                     created_at, attempts, last_error)
                SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body,
                       created_at, \(tries), \(error.description)
                FROM parked
                """, logger: logger)
            counters.parked.increment()
            logger.error(
                "outbox message parked: the broker keeps refusing it",
                metadata: [
                    "outbox_id": "\(id)", "schema": "\(schema)", "attempts": "\(tries)", "error": "\(error.description)",
                ])
            return
        }
        let wait = policy.wait(afterAttempt: tries)
        try await connection.query(
            """
            UPDATE \(unescaped: schema).outbox
            SET attempts = \(tries), last_error = \(error.description),
                retry_at = now() + make_interval(secs => \(Double(wait.components.seconds)))
            WHERE id = \(id)
            """, logger: logger)
    }

    /// Holds a connection in `LISTEN` and turns notifications into wake-ups; reconnects on loss.
    /// While it is down, `listening` holds one unit of work: a `LISTEN` that cannot come
    /// back is reported stalled (the safety tick still drains meanwhile).
    private func listen(wake: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: outbox.notifyChannel) { notifications in
                        if let listening, listening.heldCount > 0 { listening.release(listening.heldCount) }
                        listening?.completed()
                        wake.yield()
                        for try await _ in notifications { wake.yield() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                if let listening, listening.heldCount == 0 { listening.hold() }
                logger.warning("outbox LISTEN connection lost; retrying", metadata: ["reason": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
