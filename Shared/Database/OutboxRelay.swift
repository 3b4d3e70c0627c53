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
/// (``OutboxSignal``), by `NOTIFY <schema>_outbox` from anyone else, by a batch's confirms
/// coming back, and by a slow safety tick (rows another replica committed while its relay
/// was stopped). One relay per schema works at a time (a session-level advisory lock, its
/// "turn", on a PostgreSQL connection of the relay's own): the relay holding it publishes
/// every replica's rows, its next batches while earlier ones still wait for their confirms,
/// and, once it has published, keeps it for a tenth of a second with nothing to do, looking
/// for other replicas' rows meanwhile; a turn that published nothing is let go at once
/// (`OutboxPipeline`, ``OutboxLookout``). A conversation
/// has at most one row out at a time and none while a row of it waits for a retry, so its
/// events leave in order even when one of them fails; a row the broker refuses waits and is
/// finally parked (``OutboxRetryPolicy``). On graceful shutdown it drains once more.
public struct OutboxRelay: Service {
    private let client: PostgresClient
    private let database: DatabaseConfiguration
    private let outbox: Outbox
    private let publisher: AMQPConnection
    private let service: String
    private let logger: Logger
    private let batchSize: Int
    private let maxBatchesOut: Int
    private let safetyTick: Duration
    private let waitUntilReady: @Sendable () async -> Void
    private let retryPolicy: OutboxRetryPolicy
    private let lookout: OutboxLookout
    private let vacuum: OutboxVacuumSchedule
    private let progress: ProgressMonitor?
    private let listening: ProgressMonitor?

    /// - Parameters:
    ///   - client: the service's pool, for the `LISTEN` connection.
    ///   - database: where the relay opens its own connection (``DatabaseConfiguration/outboxRelayConnectionConfiguration``).
    ///   - maxBatchesOut: batches awaiting their confirms at once.
    ///   - lookout: when the relay looks for rows and how long it keeps an idle turn.
    ///   - vacuum: when the relay vacuums its outbox itself (``OutboxVacuumSchedule``).
    public init(
        client: PostgresClient, database: DatabaseConfiguration, outbox: Outbox, publisher: AMQPConnection, service: String,
        logger: Logger, batchSize: Int = 500, maxBatchesOut: Int = 8, safetyTick: Duration = .seconds(2),
        retryPolicy: OutboxRetryPolicy = OutboxRetryPolicy(), lookout: OutboxLookout = OutboxLookout(),
        vacuum: OutboxVacuumSchedule = OutboxVacuumSchedule(), progress: ProgressMonitor? = nil, listening: ProgressMonitor? = nil,
        waitUntilReady: @escaping @Sendable () async -> Void = {}
    ) {
        self.retryPolicy = retryPolicy
        self.lookout = lookout
        self.vacuum = vacuum
        self.progress = progress
        self.listening = listening
        self.waitUntilReady = waitUntilReady
        self.client = client
        self.database = database
        self.outbox = outbox
        self.publisher = publisher
        self.service = service
        self.logger = logger
        self.batchSize = batchSize
        self.maxBatchesOut = maxBatchesOut
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
        let configuration = database.outboxRelayConnectionConfiguration
        let logger = logger
        let pipeline = OutboxPipeline(
            connect: { try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger) },
            outbox: outbox, publisher: publisher, service: service, logger: logger, batchSize: batchSize,
            maxBatchesOut: maxBatchesOut, retryPolicy: retryPolicy, lookout: lookout, vacuum: vacuum, wake: { wake.yield() })

        // A commit, a notification or the tick: rows may wait, so the next step looks.
        // (A batch's confirms wake the relay without that: see `OutboxLookout`.)
        let workMayWait: @Sendable () async -> Void = {
            await pipeline.noteWork()
            wake.yield()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await listen(workMayWait) }
            group.addTask {
                for await _ in outbox.signal.wakeups { await workMayWait() }
            }
            group.addTask {
                while !Task.isCancelled {
                    await workMayWait()
                    try? await Task.sleep(for: safetyTick)
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    if Task.isCancelled { break }
                    await step(pipeline, counters)
                }
            } onGracefulShutdown: {
                wake.finish()
            }
            // Final flush of whatever committed before shutdown, within the shutdown budget
            // (a database that does not answer must not hold the exit; the rows stay for the
            // next start or another replica).
            _ = try? await Deadline.run(.seconds(4), "the final outbox flush") {
                repeat {
                    await pipeline.noteWork()
                    guard await step(pipeline, counters) else { return }
                    try await Task.sleep(for: .milliseconds(50))
                } while await !pipeline.isDrained
            }
            await pipeline.close()
            group.cancelAll()
        }
    }

    struct Counters {
        let published: Counter
        let failures: Counter
        let parked: Counter
    }

    /// One step of the pipeline. While steps fail, `progress` holds one unit of work, so a
    /// relay that keeps failing (or whose batches wait too long for their confirms) is
    /// reported stalled. `false`: the step failed.
    @discardableResult
    private func step(_ pipeline: OutboxPipeline, _ counters: Counters) async -> Bool {
        do {
            let report = try await pipeline.step()
            counters.published.increment(by: report.published)
            counters.failures.increment(by: report.failed)
            counters.parked.increment(by: report.parked)
            // Progress is rows confirmed, or nothing left to do; a step that only waited
            // (batches out, a pause, no broker) is neither, so a relay whose batches keep
            // failing or never come back is reported stalled.
            if report.failed > 0 || report.stalled {
                markFailing()
            } else if report.published > 0 || report.idle {
                markProgress()
            }
            return true
        } catch {
            // Stopping: not a failure of the relay.
            if Task.isCancelled || error is CancellationError { return false }
            markFailing()
            logger.warning("outbox relay failed; will retry", metadata: ["reason": "\(String(reflecting: error))"])
            return false
        }
    }

    private func markProgress() {
        progress?.completed()
        if let progress, progress.heldCount > 0 { progress.release(progress.heldCount) }
    }

    private func markFailing() {
        if let progress, progress.heldCount == 0 { progress.hold() }
    }

    /// Holds a connection in `LISTEN` and turns notifications into wake-ups; reconnects on loss.
    /// While it is down, `listening` holds one unit of work: a `LISTEN` that cannot come
    /// back is reported stalled (the safety tick still drains meanwhile).
    private func listen(_ workMayWait: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: outbox.notifyChannel) { notifications in
                        if let listening, listening.heldCount > 0 { listening.release(listening.heldCount) }
                        listening?.completed()
                        await workMayWait()
                        for try await _ in notifications { await workMayWait() }
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
