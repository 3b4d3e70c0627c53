import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP

/// The outbox relay's work for one schema, on a PostgreSQL connection of its own: takes
/// the schema's turn, selects unsent rows, hands them to the publisher and, while their
/// confirms are on their way, selects and publishes the next ones (``OutboxFlight``);
/// deletes rows once confirmed (in the next look's statement), schedules refused ones for a
/// retry or parks them. It looks only when rows may wait, and keeps the turn a moment
/// after it runs out of work (``OutboxLookout``).
///
/// Why a pipeline: a relay that waited for each batch's confirms before it selected the
/// next made every event wait for the previous batch's round trip to the broker's quorum,
/// most of an event's latency under load (issue #17, docs/benchmark.md).
///
/// Why a connection of its own: the turn is a session-level advisory lock held across
/// batches, and a relay waiting for another replica's turn waits on its own connection,
/// not one of its service's pool. The connection is opened with `synchronous_commit=off`
/// (it only deletes confirmed rows and records refusals: a commit lost in a crash only
/// publishes rows again, which consumers' inboxes absorb, docs/architecture.md section 5) and
/// `lock_timeout=1s` (a relay whose turn does not come returns and tries again on its next
/// wake-up; the replica holding the turn publishes every replica's rows meanwhile). On any
/// failure of the connection it is closed, which also ends the turn.
actor OutboxPipeline {
    /// What one step did.
    struct Report {
        var published = 0
        var failed = 0
        var parked = 0
        /// A batch has waited for its confirms longer than ``stallAfter``.
        var stalled = false
        /// Nothing out and nothing found (or another relay has the turn): nothing waits on
        /// this relay.
        var idle = false
    }

    /// How long one statement may take before the connection is given up.
    static let statementLimit: Duration = .seconds(15)
    /// How long a batch may wait for its confirms before the relay reports itself stalled
    /// (the publisher fails it after its confirm timeout).
    static let stallAfter: Duration = .seconds(15)
    /// How long the relay publishes nothing new after a failure that was not the message's
    /// (a lost broker connection): no busy loop against a broker that is away.
    static let pauseAfterFailure: Duration = .milliseconds(250)

    private let connect: @Sendable () async throws -> PostgresConnection
    private let outbox: Outbox
    private let publisher: AMQPConnection
    private let service: String
    private let logger: Logger
    private let batchSize: Int
    private let retryPolicy: OutboxRetryPolicy
    private let wake: @Sendable () -> Void

    private var connection: PostgresConnection?
    private var turnHeld = false
    private var flight: OutboxFlight
    private var stepping = false
    private var again = false
    private var pausedUntil: ContinuousClock.Instant?
    private var caughtUp = false
    private var lookout: OutboxLookout
    private var vacuum: OutboxVacuumSchedule
    private var recheckArmed = false
    /// Rows the broker confirmed that are still in the outbox: never selected again, deleted
    /// by the next look (one round trip less per batch), or on their own.
    private var confirmedToDelete: [Int64] = []

    init(
        connect: @escaping @Sendable () async throws -> PostgresConnection, outbox: Outbox, publisher: AMQPConnection, service: String,
        logger: Logger, batchSize: Int, maxBatchesOut: Int, retryPolicy: OutboxRetryPolicy, lookout: OutboxLookout = OutboxLookout(),
        vacuum: OutboxVacuumSchedule = OutboxVacuumSchedule(), wake: @escaping @Sendable () -> Void
    ) {
        self.lookout = lookout
        self.vacuum = vacuum
        self.connect = connect
        self.outbox = outbox
        self.publisher = publisher
        self.service = service
        self.logger = logger
        self.batchSize = batchSize
        self.retryPolicy = retryPolicy
        self.wake = wake
        self.flight = OutboxFlight(maxBatches: maxBatchesOut)
    }

    /// Nothing is out, every confirmed row is deleted, and the last look found nothing to
    /// publish or another relay has the turn (and publishes what is left): the outbox is
    /// drained as far as this relay can tell.
    var isDrained: Bool { flight.isEmpty && caughtUp && confirmedToDelete.isEmpty }

    /// Settles what came back, then looks for rows and publishes while there is room and
    /// rows may wait (``OutboxLookout``). Called on every wake-up (a commit that enqueued, a
    /// notification, the tick, a batch's confirms, a recheck of an idle turn, the end of a
    /// pause). A call made while a step runs makes that step go round once more.
    func step() async throws -> Report {
        if stepping {
            again = true
            return Report()
        }
        stepping = true
        defer { stepping = false }
        var report = Report()
        repeat {
            again = false
            do {
                try await stepOnce(&report)
                try await vacuumIfDue()
            } catch {
                dropConnection()
                throw error
            }
        } while again
        if let oldest = flight.oldestLaunch, ContinuousClock.now - oldest > Self.stallAfter { report.stalled = true }
        report.idle = isDrained
        return report
    }

    /// Ends the turn by closing the connection (the server releases a closed session's
    /// locks); batches still out settle no more, their rows are published again later.
    func close() {
        dropConnection()
    }

    /// Work may wait: a commit, a notification or the safety tick (``OutboxLookout``). The
    /// caller wakes the relay after.
    func noteWork() {
        lookout.noteWork()
    }

    private func stepOnce(_ report: inout Report) async throws {
        let connection = try await connected()
        // Confirmed rows are deleted by the next look's statement (``select(on:)``), or on
        // their own when the turn ends or is not held.
        try await settleLanded(on: connection, &report)
        // Cut off from the broker, or pausing after a failure that was not the messages':
        // publish nothing, and once nothing is out let the turn go, so that a replica
        // that reaches the broker publishes every replica's rows meanwhile.
        var holdOff = !publisher.isConnected
        if let pausedUntil {
            if ContinuousClock.now >= pausedUntil {
                self.pausedUntil = nil
            } else {
                holdOff = true
            }
        }
        if holdOff {
            try await deleteConfirmed(on: connection)
            // Not drained: rows may be waiting that this relay does not publish now.
            caughtUp = false
            if turnHeld, flight.isEmpty { try await releaseTurn(on: connection) }
            return
        }
        while flight.hasRoom, lookout.needsLook {
            // Another replica's relay has the turn: it publishes this replica's rows too.
            guard try await takeTurn(on: connection) else {
                try await deleteConfirmed(on: connection)
                caughtUp = flight.isEmpty
                return
            }
            let mark = lookout.lookMark
            let conversationsOut = flight.excludedConversations.count
            let selected = try await select(on: connection)
            let (admitted, deferred) = flight.admissible(selected)
            lookout.looked(
                through: mark, selected: selected.count, deferred: deferred, conversationsOut: conversationsOut, batchSize: batchSize)
            // Nothing to launch now (all of it waits for rows out): the confirms wake the relay.
            guard !admitted.isEmpty else { break }
            launch(admitted)
        }
        caughtUp = flight.isEmpty && !lookout.needsLook
        guard turnHeld else {
            try await deleteConfirmed(on: connection)
            return
        }
        guard caughtUp else { return }
        switch lookout.idle() {
        case .letGo:
            try await deleteConfirmed(on: connection)
            try await releaseTurn(on: connection)
        case .keep(let lookAgainIn):
            armRecheck(after: lookAgainIn)
        }
    }

    /// While the relay keeps its idle turn, it looks again now and then: other replicas'
    /// commits wake only their own relays, which wait for the turn meanwhile.
    private func armRecheck(after delay: Duration) {
        guard !recheckArmed else { return }
        recheckArmed = true
        let wake = wake
        Task {
            try? await Task.sleep(for: delay)
            self.recheckDue()
            wake()
        }
    }

    private func recheckDue() {
        recheckArmed = false
        if turnHeld { lookout.noteWork() }
    }

    /// Vacuums the outbox once enough confirmed rows were deleted (``OutboxVacuumSchedule``),
    /// on the relay's connection, between its steps. `SKIP_LOCKED`: if autovacuum (or an
    /// operator) is vacuuming the table, this one is skipped rather than waiting for it.
    /// An error of the server (a role that does not own the table gets only a warning) is
    /// logged and the vacuum tried again after the schedule's interval; the connection is
    /// kept.
    private func vacuumIfDue() async throws {
        guard vacuum.isDue(), let connection, !connection.isClosed else { return }
        vacuum.vacuumed()
        do {
            try await execute(
                "VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON) \(unescaped: outbox.schema).outbox", "vacuuming the outbox of \(outbox.schema)",
                on: connection)
        } catch let error as PSQLError where error.serverInfo != nil {
            logger.warning(
                "vacuuming the outbox failed; autovacuum still runs",
                metadata: ["schema": "\(outbox.schema)", "error": "\(String(reflecting: error))"])
        }
    }

    // MARK: The connection and the turn

    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        // Closed under the relay (the server ended the session, a restart): the turn went with it.
        if connection != nil { turnLost() }
        connection = nil
        let connect = connect
        // A connect that outlives its deadline is abandoned; if it succeeds after all, the
        // server ends the unused session after `idle_session_timeout`.
        let searchPath = Self.searchPath(schema: outbox.schema)
        let logger = logger
        let fresh = try await Deadline.run(Self.statementLimit, "connecting the outbox relay of \(outbox.schema)") {
            let fresh = try await connect()
            // The prepared look names the outbox without its schema, and is planned once
            // (``OutboxRelaySelection``): left to choose, PostgreSQL planned it anew on every
            // execution, its custom plans looking cheaper than the generic one, which is
            // the same index scan. This connection runs only statements by primary key and
            // the advisory lock, for which a generic plan is as good — and for which a
            // sequential scan is never right: a queue table holds few live rows and many
            // dead ones, and on a table without statistics (a new installation, or before
            // autovacuum's first visit) the generic plan read all of them on every look
            // (2.3–6.8 ms against 0.16 by index with 1,805 dead rows; docs/benchmark.md,
            // "fifteenth pass"). `enable_seqscan` off makes any index the cheaper plan.
            do {
                try await fresh.query(
                    """
                    SELECT set_config('search_path', \(searchPath), false), set_config('plan_cache_mode', 'force_generic_plan', false),
                        set_config('enable_seqscan', 'off', false)
                    """,
                    logger: logger)
            } catch {
                try? await fresh.close()
                throw error
            }
            return fresh
        }
        connection = fresh
        return fresh
    }

    /// `search_path`'s value naming just `schema`, quoted as an identifier.
    static func searchPath(schema: String) -> String {
        "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func dropConnection() {
        guard let connection else { return }
        self.connection = nil
        turnLost()
        Task { try? await connection.close() }
    }

    /// The connection, and the turn with it, is gone: whatever it interrupted is looked for
    /// again on the next connection (confirmed rows stay in ``confirmedToDelete``).
    private func turnLost() {
        turnHeld = false
        lookout.turnEnded()
        lookout.noteWork()
    }

    private var lockKey: String { "switchboard.outbox.\(outbox.schema)" }

    /// Takes the schema's turn (a session-level advisory lock, so one relay per schema
    /// publishes at a time and a conversation's rows leave in order). `false`: another
    /// relay held it for `lock_timeout`.
    private func takeTurn(on connection: PostgresConnection) async throws -> Bool {
        if turnHeld { return true }
        do {
            try await execute("SELECT pg_advisory_lock(hashtext(\(lockKey)))", "taking the outbox turn of \(outbox.schema)", on: connection)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {
            return false
        }
        turnHeld = true
        return true
    }

    private func releaseTurn(on connection: PostgresConnection) async throws {
        try await execute("SELECT pg_advisory_unlock(hashtext(\(lockKey)))", "ending the outbox turn of \(outbox.schema)", on: connection)
        turnHeld = false
        lookout.turnEnded()
    }

    // MARK: Selecting and publishing

    /// Deletes the rows the broker confirmed and selects the next batch
    /// (``OutboxRelaySelection``).
    private func select(on connection: PostgresConnection) async throws -> [OutboxRelayRow] {
        let confirmed = confirmedToDelete
        let schema = outbox.schema
        let look = OutboxRelaySelection(
            confirmed: confirmed, notAgain: Array(flight.excludedIDs) + confirmed,
            outConversations: Array(flight.excludedConversations), limit: batchSize)
        let logger = logger
        let rows = try await Deadline.run(Self.statementLimit, "selecting outbox rows of \(schema)") {
            let sequence = try await connection.execute(look, logger: logger)
            var rows: [OutboxRelayRow] = []
            for try await (id, messageID, exchange, routingKey, type, contentType, correlationID, traceparent, mandatory, body, attempts)
                in sequence
            {
                let message = OutboxMessage(
                    messageID: messageID, exchange: exchange, routingKey: routingKey, type: type, contentType: contentType,
                    correlationID: correlationID, traceparent: traceparent, mandatory: mandatory, body: body)
                rows.append(OutboxRelayRow(id: id, attempts: attempts, message: message))
            }
            return rows
        }
        confirmedToDelete.removeFirst(confirmed.count)
        vacuum.deleted(confirmed.count)
        return rows
    }

    /// Deletes the confirmed rows that no look took along.
    private func deleteConfirmed(on connection: PostgresConnection) async throws {
        let confirmed = confirmedToDelete
        guard !confirmed.isEmpty else { return }
        // Confirmed: the row is done (a delete writes no new row version and no index entry).
        try await execute("DELETE FROM \(unescaped: outbox.schema).outbox WHERE id = ANY(\(confirmed))", "deleting sent outbox rows", on: connection)
        confirmedToDelete.removeFirst(confirmed.count)
        vacuum.deleted(confirmed.count)
    }

    /// Hands a batch to the publisher; its outcomes land in ``flight`` and wake the relay.
    private func launch(_ rows: [OutboxRelayRow]) {
        let batch = flight.launch(rows)
        let now = Date()
        let messages = rows.map { $0.message.amqpMessage(service: service, now: now) }
        let publisher = publisher
        // Isolated to the pipeline, so the outcome lands in order with the pipeline's own steps.
        Task {
            let errors = await publisher.publish(batch: messages)
            self.land(batch.number, errors: errors)
        }
    }

    private func land(_ number: Int, errors: [AMQPError?]) {
        flight.land(number, errors: errors)
        wake()
    }

    // MARK: Settling

    /// Adds the confirmed rows of the batches that came back to ``confirmedToDelete`` (they
    /// count as published) and records the refusals. If recording fails, the batches are
    /// forgotten all the same: their refused rows stay in the outbox and are published again.
    private func settleLanded(on connection: PostgresConnection, _ report: inout Report) async throws {
        let landed = flight.takeLanded()
        guard !landed.isEmpty else { return }
        defer { flight.forget(landed.map(\.batch)) }
        var sent: [Int64] = []
        var failures: [(row: OutboxRelayRow, error: AMQPError)] = []
        for item in landed {
            for (row, error) in zip(item.batch.rows, item.errors) {
                if let error { failures.append((row, error)) } else { sent.append(row.id) }
            }
        }
        // Before anything that may fail: confirmed rows are never forgotten.
        confirmedToDelete += sent
        report.published += sent.count
        guard !failures.isEmpty else { return }
        // Failed rows are published again: the next step looks for them.
        lookout.noteWork()
        var notTheirs: [Int64] = []
        for failure in failures {
            if retryPolicy.countsAgainst(failure.error, exchange: failure.row.message.exchange) {
                try await recordRefusal(failure.row, error: failure.error, on: connection, &report)
            } else {
                notTheirs.append(failure.row.id)
            }
        }
        if !notTheirs.isEmpty {
            // Noted only (one statement for a whole batch lost with its connection).
            let note = failures.first { !retryPolicy.countsAgainst($0.error, exchange: $0.row.message.exchange) }?.error.description ?? ""
            try await execute(
                "UPDATE \(unescaped: outbox.schema).outbox SET last_error = \(note) WHERE id = ANY(\(notTheirs))", "noting outbox failures",
                on: connection)
        }
        report.failed += failures.count
        logger.warning(
            "outbox publishes failed; will retry",
            metadata: ["failed": "\(failures.count)", "first_error": "\(failures[0].error)"])
        if !notTheirs.isEmpty {
            pausedUntil = .now + Self.pauseAfterFailure
            let wake = wake
            Task {
                try? await Task.sleep(for: Self.pauseAfterFailure)
                wake()
            }
        }
    }

    /// Counts a refusal of the row itself and schedules its retry, or parks it.
    private func recordRefusal(_ row: OutboxRelayRow, error: AMQPError, on connection: PostgresConnection, _ report: inout Report) async throws {
        let schema = outbox.schema
        let id = row.id
        let tries = row.attempts + 1
        guard tries < retryPolicy.parkAfter else {
            try await execute(
                """
                WITH parked AS (DELETE FROM \(unescaped: schema).outbox WHERE id = \(id) RETURNING *)
                INSERT INTO \(unescaped: schema).outbox_parked
                    (id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body,
                     created_at, attempts, last_error)
                SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body,
                       created_at, \(tries), \(error.description)
                FROM parked
                """, "parking an outbox row", on: connection)
            report.parked += 1
            logger.error(
                "outbox message parked: the broker keeps refusing it",
                metadata: ["outbox_id": "\(id)", "schema": "\(schema)", "attempts": "\(tries)", "error": "\(error.description)"])
            return
        }
        let wait = retryPolicy.wait(afterAttempt: tries)
        try await execute(
            """
            UPDATE \(unescaped: schema).outbox
            SET attempts = \(tries), last_error = \(error.description),
                retry_at = now() + make_interval(secs => \(Double(wait.components.seconds)))
            WHERE id = \(id)
            """, "scheduling an outbox retry", on: connection)
    }

    /// Runs one statement with ``statementLimit``, to its end: a query's rows are read,
    /// because its error (a `lock_timeout`) comes only after its row description.
    private func execute(_ query: PostgresQuery, _ what: String, on connection: PostgresConnection) async throws {
        let logger = logger
        try await Deadline.run(Self.statementLimit, what) {
            for try await _ in try await connection.query(query, logger: logger) {}
        }
    }
}
