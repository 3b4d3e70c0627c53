import Foundation
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import Testing

/// The outbox relay's pipeline (batches out while earlier ones wait for their confirms) and
/// its turn across replicas, against the real PostgreSQL and RabbitMQ (issue #17).
@Suite("Outbox relay pipeline and turn (real PostgreSQL and RabbitMQ)", .serialized)
struct OutboxPipelineIntegrationTests {
    static let conversations = 40
    static let perConversation = 25

    func message(conversation: Int, sequence: Int, exchange: String) -> OutboxMessage {
        OutboxMessage(
            messageID: "c\(conversation)-\(sequence)", exchange: exchange, routingKey: "ok.\(conversation)", type: "test.event",
            contentType: "application/json", correlationID: "conversation-\(conversation)", traceparent: nil, mandatory: true,
            body: Data(#"{"sequence":\#(sequence)}"#.utf8)
        )
    }

    func topology(exchange: String, queue: String) -> AMQPTopology {
        AMQPTopology(
            exchanges: [.init(name: exchange, kind: .topic)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "ok.#")]
        )
    }

    func relay(
        _ client: PostgresClient, _ outbox: Outbox, _ publisher: AMQPConnection, batchSize: Int = 500,
        safetyTick: Duration = .milliseconds(200), lookout: OutboxLookout = OutboxLookout(), vacuum: OutboxVacuumSchedule = OutboxVacuumSchedule()
    ) throws -> OutboxRelay {
        OutboxRelay(
            client: client, database: try DatabaseConfiguration(url: TestEnvironment.postgresURL), outbox: outbox, publisher: publisher,
            service: "test", logger: TestEnvironment.logger, batchSize: batchSize, safetyTick: safetyTick, lookout: lookout, vacuum: vacuum
        )
    }

    /// Enqueues `messages` through `outbox` in one committed transaction, as a service does.
    func commit(_ messages: [OutboxMessage], through outbox: Outbox, _ client: PostgresClient) async throws {
        try await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
            try await outbox.enqueue(messages, on: connection, logger: TestEnvironment.logger)
        }
    }

    /// Two replicas' relays on one schema, each woken by its own writers' commits, with
    /// batches small enough that several are out at once: every row is published exactly
    /// once (no fault: nothing is republished), each conversation's rows in commit order,
    /// and the outbox ends empty — without the safety tick (far beyond the test), so a
    /// missed wake-up fails it.
    @Test func twoReplicasPublishEveryRowOnceAndEachConversationInOrder() async throws {
        let exchange = TestEnvironment.unique("outbox-pipeline")
        let queue = TestEnvironment.unique("outbox-pipeline-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-pipeline-a") { publisherA in
                try await TestEnvironment.withConnection(topology: topology, name: "outbox-pipeline-b") { publisherB in
                    let outboxA = Outbox(schema: schema)
                    let outboxB = Outbox(schema: schema)
                    let relayA = Task { [self] in try await relay(client, outboxA, publisherA, batchSize: 7, safetyTick: .seconds(120)).run() }
                    let relayB = Task { [self] in try await relay(client, outboxB, publisherB, batchSize: 7, safetyTick: .seconds(120)).run() }
                    defer {
                        relayA.cancel()
                        relayB.cancel()
                    }
                    var deliveries = publisherA.consume(queue: queue, prefetch: 200).makeAsyncIterator()

                    // Each transaction writes the next row of a few conversations, alternately
                    // through each replica's outbox.
                    var transaction = 0
                    for sequence in 0..<Self.perConversation {
                        for first in stride(from: 0, to: Self.conversations, by: 4) {
                            let outbox = transaction.isMultiple(of: 2) ? outboxA : outboxB
                            transaction += 1
                            let rows = (first..<first + 4).map { message(conversation: $0, sequence: sequence, exchange: exchange) }
                            try await commit(rows, through: outbox, client)
                        }
                    }

                    var seen: [Int: [Int]] = [:]
                    var received = 0
                    let total = Self.conversations * Self.perConversation
                    while received < total, let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(20)) {
                        publisherA.ack(delivery)
                        let id = delivery.properties.messageID ?? ""
                        let parts = id.dropFirst().split(separator: "-").compactMap { Int($0) }
                        guard parts.count == 2 else {
                            Issue.record("unexpected message \(id)")
                            continue
                        }
                        seen[parts[0], default: []].append(parts[1])
                        received += 1
                    }
                    #expect(received == total, "every row published (\(received) of \(total))")
                    for conversation in 0..<Self.conversations {
                        #expect(seen[conversation] == Array(0..<Self.perConversation), "conversation \(conversation) once each, in order")
                    }
                    let extra = await TestEnvironment.next(&deliveries, timeout: .milliseconds(500))
                    #expect(extra == nil, "nothing published twice: \(extra?.properties.messageID ?? "")")
                    try await TestEnvironment.waitUntilAsync("the outbox is empty", timeout: .seconds(5)) {
                        (try? await count("SELECT count(*) FROM \(schema).outbox", client)) == 0
                    }
                }
            }
        }
    }

    /// While another session holds the schema's turn, the relay publishes nothing (its
    /// `lock_timeout` ends each wait, and the next wake-up tries again); once the turn is
    /// let go, the row leaves.
    @Test func aRelayWaitsForTheTurnOnItsOwnConnection() async throws {
        let exchange = TestEnvironment.unique("outbox-turn")
        let queue = TestEnvironment.unique("outbox-turn-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            let holder = try await sessionOfItsOwn(id: 99)
            defer { Task { try? await holder.close() } }
            try await turn("pg_advisory_lock", schema, on: holder)

            try await TestEnvironment.withConnection(topology: topology, name: "outbox-turn") { publisher in
                let outbox = Outbox(schema: schema)
                let relayTask = Task { [self] in try await relay(client, outbox, publisher).run() }
                defer { relayTask.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                try await commit([message(conversation: 1, sequence: 0, exchange: exchange)], through: outbox, client)
                // (Not a timed-out receive: that would end the delivery stream.)
                try await Task.sleep(for: .milliseconds(2_500))
                #expect(try await count("SELECT count(*) FROM \(schema).outbox", client) == 1, "nothing leaves without the turn")
                try await turn("pg_advisory_unlock", schema, on: holder)
                let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)), "published once the turn is free")
                #expect(delivery.properties.messageID == "c1-0")
                publisher.ack(delivery)
            }
        }
    }

    /// A replica whose relay cannot reach the broker neither takes nor keeps the turn: a
    /// replica that reaches it publishes every replica's rows meanwhile (with the old
    /// per-batch lock the others went on between its failed batches; held across batches,
    /// the turn must be let go on purpose).
    @Test func aReplicaCutOffFromTheBrokerLeavesTheTurnToAnother() async throws {
        let exchange = TestEnvironment.unique("outbox-cutoff")
        let queue = TestEnvironment.unique("outbox-cutoff-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            // A publisher whose broker address answers nothing (port 1 on loopback).
            var unreachable = try AMQPConfiguration(url: TestEnvironment.amqpURL, connectionName: "outbox-cutoff-unreachable")
            unreachable.endpoints = [AMQPEndpoint(host: "127.0.0.1", port: 1)]
            let cutOff = AMQPConnection(configuration: unreachable, topology: topology, logger: TestEnvironment.logger)
            let cutOffTask = Task { try await cutOff.run() }
            defer {
                cutOff.stop()
                cutOffTask.cancel()
            }
            let outboxA = Outbox(schema: schema)
            let relayA = Task { [self] in try await relay(client, outboxA, cutOff).run() }
            defer { relayA.cancel() }
            try await commit((0..<3).map { message(conversation: 3, sequence: $0, exchange: exchange) }, through: outboxA, client)
            // Relay A has been woken by its own commit (and its ticks) before B starts.
            try await Task.sleep(for: .milliseconds(600))

            try await TestEnvironment.withConnection(topology: topology, name: "outbox-cutoff-b") { publisher in
                let relayB = Task { [self] in try await relay(client, Outbox(schema: schema), publisher).run() }
                defer { relayB.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                var received: [String] = []
                while received.count < 3, let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(5)) {
                    received.append(delivery.properties.messageID ?? "")
                    publisher.ack(delivery)
                }
                #expect(received == ["c3-0", "c3-1", "c3-2"], "the replica that reaches the broker published them, in order")
            }
        }
    }

    /// A turn holder that goes silent (a frozen process, a half-open link) loses the turn
    /// when the server ends its idle session, and the waiting relay publishes. (The
    /// relay's own connection has `idle_session_timeout` 90 s; the silent holder here 2 s.)
    @Test func aSilentTurnHolderLosesTheTurn() async throws {
        let exchange = TestEnvironment.unique("outbox-silent")
        let queue = TestEnvironment.unique("outbox-silent-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            let database = try DatabaseConfiguration(url: TestEnvironment.postgresURL)
            var relayConnection = database.outboxRelayConnectionConfiguration
            var settings: [String: String] = [:]
            for (name, value) in relayConnection.options.additionalStartupParameters { settings[name] = value }
            #expect(settings["idle_session_timeout"] == DatabaseConfiguration.outboxRelayIdleTimeout)
            #expect(settings["synchronous_commit"] == "off")
            #expect(settings["lock_timeout"] == "1s")
            relayConnection.options.additionalStartupParameters = relayConnection.options.additionalStartupParameters.map {
                $0.0 == "idle_session_timeout" ? ($0.0, "2s") : $0
            }
            let silent = try await PostgresConnection.connect(configuration: relayConnection, id: 98, logger: TestEnvironment.logger)
            defer { Task { try? await silent.close() } }
            try await turn("pg_advisory_lock", schema, on: silent)

            try await TestEnvironment.withConnection(topology: topology, name: "outbox-silent") { publisher in
                let outbox = Outbox(schema: schema)
                let relayTask = Task { [self] in try await relay(client, outbox, publisher).run() }
                defer { relayTask.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                try await commit([message(conversation: 2, sequence: 0, exchange: exchange)], through: outbox, client)
                let delivery = try #require(
                    await TestEnvironment.next(&deliveries, timeout: .seconds(8)), "published once the server ended the silent holder's session")
                #expect(delivery.properties.messageID == "c2-0")
                publisher.ack(delivery)
            }
        }
    }

    /// A relay that runs out of work keeps the schema's turn for its linger, and meanwhile
    /// publishes rows that another replica committed (which wake only that replica's relay),
    /// then lets the turn go. Under a steady load the turn is taken once, not around every
    /// batch (issue #17: `pg_advisory_lock` and `_unlock` were 8 of 46 statements per SMS).
    @Test func anIdleRelayKeepsItsTurnForTheLingerAndPublishesOtherReplicasRowsMeanwhile() async throws {
        let exchange = TestEnvironment.unique("outbox-linger")
        let queue = TestEnvironment.unique("outbox-linger-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            let observer = try await sessionOfItsOwn(id: 97)
            defer { Task { try? await observer.close() } }

            try await TestEnvironment.withConnection(topology: topology, name: "outbox-linger") { publisher in
                let outbox = Outbox(schema: schema)
                // A tick far beyond the test: only the relay's own rechecks can find the other replica's row.
                let relayTask = Task { [self] in
                    try await relay(
                        client, outbox, publisher, safetyTick: .seconds(120), lookout: OutboxLookout(linger: .seconds(3), recheck: .milliseconds(100))
                    ).run()
                }
                defer { relayTask.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                try await commit([message(conversation: 4, sequence: 0, exchange: exchange)], through: outbox, client)
                let first = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)), "published on its commit")
                #expect(first.properties.messageID == "c4-0")
                publisher.ack(first)
                #expect(try await !tryTurn(schema, on: observer), "the idle relay keeps the turn")

                // Another replica's commit: its own outbox (and signal), not this relay's.
                let otherReplica = Outbox(schema: schema)
                try await commit([message(conversation: 4, sequence: 1, exchange: exchange)], through: otherReplica, client)
                let second = try #require(
                    await TestEnvironment.next(&deliveries, timeout: .seconds(2)), "published by the turn holder's recheck")
                #expect(second.properties.messageID == "c4-1")
                publisher.ack(second)

                try await TestEnvironment.waitUntilAsync("the turn is let go after the linger", timeout: .seconds(8)) {
                    (try? await tryTurn(schema, on: observer)) == true
                }
                try await turn("pg_advisory_unlock", schema, on: observer)
                #expect(try await count("SELECT count(*) FROM \(schema).outbox", client) == 0, "confirmed rows deleted")
            }
        }
    }

    /// Once the relay has deleted as many confirmed rows as its schedule says, it vacuums
    /// its outbox itself (autovacuum visits a table at most once a minute, and the dead rows
    /// of a queue table slow every look meanwhile): the table's manual vacuum count rises,
    /// and every row is still published and deleted. With the default schedule the same
    /// rows (fewer than it waits for) are not vacuumed.
    @Test func theRelayVacuumsItsOutboxAfterEnoughDeletedRows() async throws {
        let exchange = TestEnvironment.unique("outbox-vacuum")
        let queue = TestEnvironment.unique("outbox-vacuum-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let vacuumed = try await migratedSchema(client)
            let untouched = try await migratedSchema(client)
            func vacuumCount(_ schema: String) async throws -> Int {
                try await count(
                    "SELECT coalesce(sum(vacuum_count), 0)::int8 FROM pg_stat_user_tables WHERE schemaname = '\(schema)' AND relname = 'outbox'",
                    client)
            }
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-vacuum") { publisher in
                var relays: [Task<Void, any Error>] = []
                defer { for relay in relays { relay.cancel() } }
                for (schema, vacuum) in [
                    (vacuumed, OutboxVacuumSchedule(rowsBetween: 100, minimumInterval: .zero)), (untouched, OutboxVacuumSchedule()),
                ] {
                    let outbox = Outbox(schema: schema)
                    relays.append(Task { [self] in try await relay(client, outbox, publisher, batchSize: 20, vacuum: vacuum).run() })
                    for batch in 0..<15 {
                        let rows = (0..<20).map { message(conversation: batch * 20 + $0, sequence: 0, exchange: exchange) }
                        try await commit(rows, through: outbox, client)
                    }
                }
                for schema in [vacuumed, untouched] {
                    try await TestEnvironment.waitUntilAsync("\(schema)'s rows published and deleted", timeout: .seconds(10)) {
                        (try? await count("SELECT count(*) FROM \(schema).outbox", client)) == 0
                    }
                }
                try await TestEnvironment.waitUntilAsync("the relay vacuumed its outbox", timeout: .seconds(5)) {
                    (try? await vacuumCount(vacuumed)) ?? 0 >= 1
                }
                #expect(try await vacuumCount(untouched) == 0, "300 deleted rows are below the default schedule's 2,000")
            }
        }
    }

    /// A conversation's next row leaves as soon as its previous one is confirmed, without
    /// waiting for another commit, a recheck or the tick (all far beyond the test here).
    @Test func aConversationsNextRowLeavesOnItsPredecessorsConfirm() async throws {
        let exchange = TestEnvironment.unique("outbox-next")
        let queue = TestEnvironment.unique("outbox-next-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-next") { publisher in
                let outbox = Outbox(schema: schema)
                let relayTask = Task { [self] in
                    try await relay(
                        client, outbox, publisher, safetyTick: .seconds(120), lookout: OutboxLookout(linger: .seconds(60), recheck: .seconds(30))
                    ).run()
                }
                defer { relayTask.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                try await commit((0..<3).map { message(conversation: 6, sequence: $0, exchange: exchange) }, through: outbox, client)
                var received: [String] = []
                while received.count < 3, let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(3)) {
                    received.append(delivery.properties.messageID ?? "")
                    publisher.ack(delivery)
                }
                #expect(received == ["c6-0", "c6-1", "c6-2"])
            }
        }
    }

    /// Only a transaction that wrote to the outbox wakes the relay (most of transfer's and
    /// contacts' transactions write none, and each wake-up was a look for rows, issue #17).
    @Test func onlyATransactionThatEnqueuedWakesTheRelay() async throws {
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            let outbox = Outbox(schema: schema)
            let wakeups = WakeupCount()
            let listener = Task {
                for await _ in outbox.signal.wakeups { await wakeups.add() }
            }
            defer { listener.cancel() }
            try await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
                try await connection.query("SELECT 1", logger: TestEnvironment.logger)
                try await outbox.enqueue([], on: connection, logger: TestEnvironment.logger)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(await wakeups.count == 0, "a transaction that enqueued nothing wakes nobody")

            try await commit([message(conversation: 5, sequence: 0, exchange: "nowhere")], through: outbox, client)
            try await TestEnvironment.waitUntilAsync("the relay is woken", timeout: .seconds(2)) { await wakeups.count == 1 }
            #expect(try await count("SELECT count(*) FROM \(schema).outbox", client) == 1)

            // Rows enqueued on another outbox (another relay's signal) wake that relay, not this one.
            let other = Outbox(schema: schema)
            let otherWakeups = WakeupCount()
            let otherListener = Task {
                for await _ in other.signal.wakeups { await otherWakeups.add() }
            }
            defer { otherListener.cancel() }
            try await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
                try await other.enqueue(
                    [message(conversation: 5, sequence: 1, exchange: "nowhere")], on: connection, logger: TestEnvironment.logger)
            }
            try await TestEnvironment.waitUntilAsync("the other relay is woken", timeout: .seconds(2)) { await otherWakeups.count == 1 }
            #expect(await wakeups.count == 1, "this outbox's relay has no row of that transaction")
        }
    }

    actor WakeupCount {
        var count = 0
        func add() { count += 1 }
    }

    /// `pg_try_advisory_lock` on the schema's turn: `true` if it was free (and is now held by `connection`).
    func tryTurn(_ schema: String, on connection: PostgresConnection) async throws -> Bool {
        var taken = false
        for try await value in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock(hashtext('switchboard.outbox.\(schema)'))"), logger: TestEnvironment.logger
        ).decode(Bool.self) {
            taken = value
        }
        return taken
    }

    /// A PostgreSQL session of the test's own, outside the pool, set up as a relay's is
    /// (to hold or look at the schema's turn as another replica would).
    func sessionOfItsOwn(id: Int) async throws -> PostgresConnection {
        let configuration = try DatabaseConfiguration(url: TestEnvironment.postgresURL)
        return try await PostgresConnection.connect(
            configuration: configuration.outboxRelayConnectionConfiguration, id: id, logger: TestEnvironment.logger)
    }

    /// A relay looks through its outbox by index, never by a sequential scan, even on a
    /// table PostgreSQL has no statistics for (a new installation, or a queue table in the
    /// minute before autovacuum's first visit): planned then, the prepared look's generic
    /// plan read the whole table, every dead row of it included, on every call (2.3–6.8 ms
    /// a look against 0.16 by index, 1,805 dead rows; docs/benchmark.md, "fifteenth pass").
    /// The table's own counters say how it was read: no row was read by a sequential scan
    /// (`seq_tup_read`; the migration's scans of the empty table read none) while
    /// `idx_scan` rises. The test itself only inserts, so no other scan is its own.
    @Test func theRelayLooksThroughAnIndexOnATableWithoutStatistics() async throws {
        let exchange = TestEnvironment.unique("outbox-index")
        let queue = TestEnvironment.unique("outbox-index-q")
        let topology = topology(exchange: exchange, queue: queue)
        try await TestEnvironment.withPostgres { client in
            let schema = try await migratedSchema(client)
            func scans() async throws -> (sequential: Int, index: Int, deleted: Int) {
                let rows = try await client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT coalesce(seq_tup_read, 0)::int8, coalesce(idx_scan, 0)::int8, n_tup_del::int8
                            FROM pg_stat_user_tables WHERE schemaname = '\(schema)' AND relname = 'outbox'
                            """), logger: TestEnvironment.logger)
                var found = (sequential: 0, index: 0, deleted: 0)
                for try await (sequential, index, deleted) in rows.decode((Int, Int, Int).self) { found = (sequential, index, deleted) }
                return found
            }
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-index") { publisher in
                let outbox = Outbox(schema: schema)
                let relaying = Task { [self] in try await relay(client, outbox, publisher, batchSize: 5).run() }
                defer { relaying.cancel() }
                var deliveries = publisher.consume(queue: queue, prefetch: 100).makeAsyncIterator()
                let total = 60
                for batch in 0..<12 {
                    let rows = (0..<5).map { message(conversation: batch * 5 + $0, sequence: 0, exchange: exchange) }
                    try await commit(rows, through: outbox, client)
                }
                var received = 0
                while received < total, let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(20)) {
                    publisher.ack(delivery)
                    received += 1
                }
                #expect(received == total, "every row published (\(received) of \(total))")
                // The relay's server process reports its counters once it has been idle a while.
                try await TestEnvironment.waitUntilAsync("the relay's deletes counted", timeout: .seconds(30)) {
                    (try? await scans().deleted) ?? 0 >= total
                }
                let counted = try await scans()
                #expect(counted.index > 0, "the looks went through an index")
                #expect(counted.sequential == 0, "no look read the outbox sequentially (\(counted.sequential) rows read so)")
            }
        }
    }

    /// A fresh schema with the messaging migrations applied.
    func migratedSchema(_ client: PostgresClient) async throws -> String {
        let schema = DatabaseIntegrationTests.schemaName()
        try await MigrationRunner(schema: schema, migrations: Migration.messagingMigrations(schema: schema)).run(
            on: client, logger: TestEnvironment.logger)
        return schema
    }

    /// Takes or lets go the schema's outbox turn as the relay does (`pg_advisory_lock` or
    /// `pg_advisory_unlock`), from a session of the test's own.
    func turn(_ function: String, _ schema: String, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(function)(hashtext('switchboard.outbox.\(schema)'))"), logger: TestEnvironment.logger)
        {}
    }

    func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        var value = 0
        for try await count in rows.decode(Int.self) { value = count }
        return value
    }
}
