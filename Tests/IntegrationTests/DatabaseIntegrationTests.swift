import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import Testing

/// The PostgreSQL layer against the real database (and broker, for the outbox).
@Suite("Inbox, outbox and migrations (real PostgreSQL)", .serialized)
struct DatabaseIntegrationTests {
    /// A fresh schema per test: the UUID's 32 hex digits with the digits spelled as letters
    /// (schema names here are letters and underscores), so runs never collide.
    static func schemaName() -> String {
        let letters = Array("ghijklmnop")
        return "it_"
            + UUID().uuidString.lowercased().compactMap { character -> Character? in
                if character == "-" { return nil }
                if let digit = character.wholeNumberValue { return letters[digit] }
                return character
            }.map(String.init).joined()
    }

    static let effects = Migration(version: 2, name: "effects", statements: [])

    func migrate(_ schema: String, client: PostgresClient) async throws {
        let runner = MigrationRunner(
            schema: schema,
            migrations: Migration.messagingMigrations(schema: schema) + [
                Migration(version: 2, name: "effects", statements: ["CREATE TABLE \(schema).effects (id serial PRIMARY KEY, note text)"])
            ])
        try await runner.run(on: client, logger: TestEnvironment.logger)
    }

    @Test func concurrentMigrationRunsApplyOnce() async throws {
        try await TestEnvironment.withPostgres { client in
            let schema = Self.schemaName()
            let runner = MigrationRunner(
                schema: schema,
                migrations: Migration.messagingMigrations(schema: schema) + [
                    Migration(version: 2, name: "effects", statements: ["CREATE TABLE \(schema).effects (id serial PRIMARY KEY, note text)"])
                ])
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 { group.addTask { try await runner.run(on: client, logger: TestEnvironment.logger) } }
                var all: [Int] = []
                for try await versions in group { all += versions }
                return all
            }
            #expect(applied.sorted() == [1, 2, 1001, 1002], "each migration applied by exactly one runner")
            #expect(try await runner.isUpToDate(on: client, logger: TestEnvironment.logger))
        }
    }

    @Test func inboxMakesRedeliveryANoOp() async throws {
        try await TestEnvironment.withPostgres { client in
            let (schema, handler) = try await migratedHandler(client)
            let delivery = try await Self.fakeDelivery(messageID: "m-dup")
            for _ in 0..<3 {
                let result = await handler.handle(delivery) { connection in
                    try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES ('x')", logger: TestEnvironment.logger)
                }
                #expect(result == .ack)
            }
            #expect(try await count("SELECT count(*) FROM \(schema).effects", client) == 1)

            // A failing effect rolls back its inbox record too, so the retry runs it.
            let failing = try await Self.fakeDelivery(messageID: "m-fail")
            let failed = await handler.handle(failing) { connection in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES ('y')", logger: TestEnvironment.logger)
                throw TestFailure("transient")
            }
            guard case .retry = failed else {
                Issue.record("expected retry, got \(failed)")
                return
            }
            let retried = await handler.handle(failing) { connection in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES ('y')", logger: TestEnvironment.logger)
            }
            #expect(retried == .ack)
            #expect(try await count("SELECT count(*) FROM \(schema).effects WHERE note = 'y'", client) == 1)

            let invalid = await handler.handle(try await Self.fakeDelivery(messageID: "m-bad")) { _ in throw InvalidMessage("broken") }
            #expect(invalid == .deadLetter(reason: "broken"))
        }
    }

    @Test func outboxEventIsPublishedExactlyWhenItsTransactionCommits() async throws {
        let queue = TestEnvironment.unique("outbox")
        // An exchange of the test's own: a queue bound to switchboard.events would collect
        // (until it expires) the events of whatever else runs on this broker — the
        // end-to-end stage, a benchmark — and RabbitMQ may then never confirm publishes
        // that were on their way to it when it expired.
        let exchange = TestEnvironment.unique("outbox-events")
        let routingKey = EventType.interactionMessageAppended.rawValue
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .topic)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: routingKey)]
        )
        try await TestEnvironment.withPostgres { client in
            let schema = Self.schemaName()
            try await migrate(schema, client: client)
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-test") { connection in
                let outbox = Outbox(schema: schema)
                let relay = OutboxRelay(
                    client: client, database: try DatabaseConfiguration(url: TestEnvironment.postgresURL), outbox: outbox, publisher: connection,
                    service: "test", logger: TestEnvironment.logger, safetyTick: .seconds(60))
                let relayTask = Task { try await relay.run() }
                defer { relayTask.cancel() }
                var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                let marker = UUID().uuidString

                // Rolled back: nothing is ever published.
                let rolledBackID = UUID().uuidString
                _ = try? await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
                    try await outbox.enqueue(
                        [try Self.event(id: rolledBackID, marker: marker, exchange: exchange)], on: connection, logger: TestEnvironment.logger)
                    throw TestFailure("roll back")
                }
                // Committed: published once, promptly (the commit wakes the relay, not the 60 s tick).
                let committedID = UUID().uuidString
                let started = ContinuousClock.now
                try await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
                    try await outbox.enqueue(
                        [try Self.event(id: committedID, marker: marker, exchange: exchange)], on: connection, logger: TestEnvironment.logger)
                }
                let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
                #expect(delivery.properties.messageID == committedID)
                #expect(delivery.properties.contentType == "application/cloudevents+json")
                #expect(delivery.properties.correlationID == "interaction-1")
                #expect(ContinuousClock.now - started < .seconds(3))
                let event = try SwitchboardJSON.decoder().decode(CloudEvent<InteractionMessageAppended>.self, from: delivery.body)
                #expect(event.id == committedID)
                #expect(event.data.messageId == marker)
                connection.ack(delivery)

                // A row another process wrote is published as soon as it notifies the relay.
                let foreignID = UUID().uuidString
                let foreignStart = ContinuousClock.now
                try await client.withTransaction(logger: TestEnvironment.logger) { connection in
                    try await Outbox(schema: schema).enqueue(
                        [try Self.event(id: foreignID, marker: marker, exchange: exchange)], on: connection, logger: TestEnvironment.logger)
                    try await connection.query(PostgresQuery(unsafeSQL: "NOTIFY \(outbox.notifyChannel)"), logger: TestEnvironment.logger)
                }
                let foreign = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
                #expect(foreign.properties.messageID == foreignID)
                #expect(ContinuousClock.now - foreignStart < .seconds(3))
                connection.ack(foreign)

                #expect(await TestEnvironment.next(&deliveries, timeout: .seconds(2)) == nil, "the rolled-back event never appears")
                // Confirmed rows are deleted (the rolled-back one never existed).
                try await TestEnvironment.waitUntilAsync("confirmed rows deleted", timeout: .seconds(5)) {
                    (try? await count("SELECT count(*) FROM \(schema).outbox", client)) == 0
                }
            }
        }
    }

    /// A batch's prologue runs first, once, inside the batch's transaction; a batch of one
    /// (as the one-by-one fallback) runs it first in its own transaction.
    @Test func batchPrologueRunsFirstInTheBatchTransaction() async throws {
        try await TestEnvironment.withPostgres { client in
            let (schema, handler) = try await migratedHandler(client)
            let batch = [try await Self.fakeDelivery(messageID: "p-1"), try await Self.fakeDelivery(messageID: "p-2")]
            let insert: @Sendable (String, PostgresConnection) async throws -> Void = { note, connection in
                try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES (\(note))", logger: TestEnvironment.logger)
            }
            let results = await handler.handle(batch: batch, prologue: { try await insert("prologue", $0) }) { delivery, connection in
                try await insert(delivery.properties.messageID ?? "?", connection)
            }
            #expect(results == [.ack, .ack])
            let single = await handler.handle(batch: [try await Self.fakeDelivery(messageID: "p-3")], prologue: { try await insert("prologue", $0) })
            {
                delivery, connection in try await insert(delivery.properties.messageID ?? "?", connection)
            }
            #expect(single == [.ack])
            #expect(try await texts("SELECT note FROM \(schema).effects ORDER BY id", client) == ["prologue", "p-1", "p-2", "prologue", "p-3"])
        }
    }

    /// Deliveries that share a delivery tag (here each comes from a connection of its own,
    /// as a retried delivery and a new one do after their channel was opened again) each
    /// get their own prepared effect: effects are matched by position, not by tag, so none
    /// is run twice and none is lost behind an inbox record.
    @Test func preparedEffectsOfDeliveriesSharingATagStayApart() async throws {
        try await TestEnvironment.withPostgres { client in
            let (schema, handler) = try await migratedHandler(client)
            var batch: [AMQPDelivery] = []
            for id in ["t-1", "t-2", "t-3"] { batch.append(try await Self.fakeDelivery(messageID: id)) }
            #expect(Set(batch.map(\.deliveryTag)).count == 1, "the fake deliveries share their tag")
            let results = await handler.handle(batch: batch) { delivery throws(InvalidMessage) -> MessageEffect? in
                let note = delivery.properties.messageID ?? "?"
                return { connection in
                    try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES (\(note))", logger: TestEnvironment.logger)
                }
            }
            #expect(results == [.ack, .ack, .ack])
            #expect(try await texts("SELECT note FROM \(schema).effects ORDER BY id", client) == ["t-1", "t-2", "t-3"])
        }
    }

    /// A delivery handled on its own takes its prologue's lock before its inbox record, as a
    /// batch does: a transaction that holds that lock and records the same message id (a
    /// batch with a redelivery of it) goes first, and the delivery then finds itself a
    /// duplicate. In the other order the two waited on each other, until PostgreSQL's
    /// deadlock detection failed one of them.
    @Test func aDeliveryOnItsOwnTakesItsPrologueBeforeItsInboxRecord() async throws {
        try await TestEnvironment.withPostgres { client in
            let (schema, handler) = try await migratedHandler(client)
            let delivery = try await Self.fakeDelivery(messageID: "p-1")
            let lock = "\(schema).prologue"
            let prologue: @Sendable (PostgresConnection) async throws -> Void = { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: TestEnvironment.logger)
            }
            let single = try await client.withTransaction(logger: TestEnvironment.logger) { holder in
                try await holder.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: TestEnvironment.logger)
                let single = Task {
                    await handler.handle(delivery, prologue: prologue) { connection in
                        #expect(BatchPrologue.hasRun)
                        try await connection.query(
                            "INSERT INTO \(unescaped: schema).effects (note) VALUES ('single')", logger: TestEnvironment.logger)
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                // Waits for nobody: the delivery is still waiting for the lock, not holding its record.
                try await holder.query("SET LOCAL lock_timeout = '500ms'", logger: TestEnvironment.logger)
                try await holder.query(
                    "INSERT INTO \(unescaped: schema).inbox (consumer, message_id) VALUES ('test', 'p-1')", logger: TestEnvironment.logger)
                try await holder.query("INSERT INTO \(unescaped: schema).effects (note) VALUES ('batch')", logger: TestEnvironment.logger)
                return single
            }
            #expect(await single.value == .ack)
            #expect(try await texts("SELECT note FROM \(schema).effects ORDER BY id", client) == ["batch"])
        }
    }

    /// A batch's inbox records go in together (one statement), and still: a delivery
    /// handled before, or twice in the batch, gets no second effect, and the others get
    /// theirs in the batch's order, all acked.
    @Test func batchClaimsItsInboxRecordsTogetherAndSkipsDuplicates() async throws {
        try await TestEnvironment.withPostgres { client in
            let (schema, handler) = try await migratedHandler(client)
            let insert: @Sendable (AMQPDelivery, PostgresConnection) async throws -> Void = { delivery, connection in
                let note = delivery.properties.messageID ?? "?"
                try await connection.query("INSERT INTO \(unescaped: schema).effects (note) VALUES (\(note))", logger: TestEnvironment.logger)
            }
            #expect(await handler.handle(batch: [try await Self.fakeDelivery(messageID: "d-0")], effect: insert) == [.ack])
            var batch: [AMQPDelivery] = []
            for id in ["d-1", "d-0", "d-2", "d-1", "d-3"] { batch.append(try await Self.fakeDelivery(messageID: id)) }
            #expect(await handler.handle(batch: batch, effect: insert) == Array(repeating: .ack, count: 5))
            #expect(try await texts("SELECT note FROM \(schema).effects ORDER BY id", client) == ["d-0", "d-1", "d-2", "d-3"])
            #expect(
                try await texts("SELECT message_id FROM \(schema).inbox WHERE consumer = 'test' ORDER BY message_id", client) == [
                    "d-0", "d-1", "d-2", "d-3",
                ])
        }
    }

    /// One call with more messages than one statement carries: all stored, in the call's
    /// order (the relay publishes by id), with their nulls.
    @Test func outboxEnqueueKeepsOrderAcrossStatements() async throws {
        try await TestEnvironment.withPostgres { client in
            let schema = Self.schemaName()
            try await migrate(schema, client: client)
            let outbox = Outbox(schema: schema)
            let total = Outbox.rowsPerStatement + 200
            let ids = (0..<total).map { _ in UUID().uuidString }
            var messages = try ids.map { try Self.event(id: $0, marker: "order") }
            messages[1].correlationID = nil
            messages[1].traceparent = nil
            let batch = messages
            try await client.withTransaction(logger: TestEnvironment.logger) { connection in
                try await outbox.enqueue(batch, on: connection, logger: TestEnvironment.logger)
            }
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT message_id, correlation_id FROM \(schema).outbox ORDER BY id"), logger: TestEnvironment.logger
            )
            var stored: [(String, String?)] = []
            for try await row in rows.decode((String, String?).self) { stored.append(row) }
            #expect(stored.map(\.0) == ids)
            #expect(stored[1].1 == nil)
            #expect(stored[0].1 == "interaction-1")
        }
    }

    /// An `interaction.message.appended` event, sent to `exchange` (switchboard.events unless told).
    static func event(id: String, marker: String, exchange: String = SwitchboardTopology.eventsExchange) throws -> OutboxMessage {
        var message = try OutboxMessage.event(
            .interactionMessageAppended, service: "test", subject: "interaction-1", traceparent: TraceContext.newTraceparent(),
            data: InteractionMessageAppended(
                interactionId: "interaction-1", seq: 1, kind: "message", direction: "inbound", messageId: marker, at: Date()),
            id: id
        )
        message.exchange = exchange
        return message
    }

    /// A delivery as the broker would hand it over (through a real round trip).
    static func fakeDelivery(messageID: String) async throws -> AMQPDelivery {
        let queue = TestEnvironment.unique("fake")
        let exchange = TestEnvironment.unique("fake-exchange")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(60_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "k")]
        )
        return try await TestEnvironment.withConnection(topology: topology) { connection in
            try await connection.publish(.test(exchange: exchange, routingKey: "k", text: "{}", id: messageID))
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            connection.ack(delivery)
            return delivery
        }
    }

    /// A fresh migrated schema and a handler of consumer `test` on it.
    func migratedHandler(_ client: PostgresClient) async throws -> (schema: String, handler: TransactionalHandler) {
        let schema = Self.schemaName()
        try await migrate(schema, client: client)
        let handler = TransactionalHandler(
            client: client, inbox: Inbox(schema: schema), outbox: Outbox(schema: schema), consumer: "test", logger: TestEnvironment.logger)
        return (schema, handler)
    }

    /// The first column of every row of `sql`, as text, in the query's order.
    func texts(_ sql: String, _ client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        var values: [String] = []
        for try await value in rows.decode(String.self) { values.append(value) }
        return values
    }

    func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        var value = 0
        for try await count in rows.decode(Int.self) { value = count }
        return value
    }

    /// Every connection asks the server to end a transaction whose client went silent for
    /// 30 s (a half-open link would otherwise hold the outbox relay's advisory lock, and with
    /// it every replica's relay, until TCP noticed).
    @Test func connectionsLimitIdleTransactions() async throws {
        try await TestEnvironment.withPostgres { client in
            var setting = ""
            for try await value in try await client.rows("SHOW idle_in_transaction_session_timeout", logger: TestEnvironment.logger)
                .decode(String.self)
            { setting = value }
            #expect(setting == DatabaseConfiguration.idleInTransactionTimeout)
        }
    }
}
