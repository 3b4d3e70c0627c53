import Foundation
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import Testing

/// The outbox relay and the janitor against the real PostgreSQL and RabbitMQ (issue #19).
@Suite("Outbox retries, parking and inbox purge (real PostgreSQL and RabbitMQ)", .serialized)
struct OutboxRetryIntegrationTests {
    func message(_ id: String, correlation: String, exchange: String, routingKey: String) -> OutboxMessage {
        OutboxMessage(
            messageID: id, exchange: exchange, routingKey: routingKey, type: "test.event", contentType: "application/json",
            correlationID: correlation, traceparent: nil, mandatory: true, body: Data(#"{"id":"\#(id)"}"#.utf8)
        )
    }

    /// A row the broker refuses (unroutable) waits and is parked after the policy's tries;
    /// meanwhile its conversation's later row is not published (order), other
    /// conversations' rows are, and once it is parked its conversation moves on.
    @Test func aRefusedRowHoldsItsConversationThenIsParked() async throws {
        let exchange = TestEnvironment.unique("outbox-retry")
        let queue = TestEnvironment.unique("outbox-retry-q")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .topic)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "ok.#")]
        )
        try await TestEnvironment.withPostgres { client in
            let schema = DatabaseIntegrationTests.schemaName()
            try await MigrationRunner(schema: schema, migrations: Migration.messagingMigrations(schema: schema)).run(
                on: client, logger: TestEnvironment.logger)
            try await TestEnvironment.withConnection(topology: topology, name: "outbox-retry-test") { connection in
                let outbox = Outbox(schema: schema)
                let relay = OutboxRelay(
                    client: client, database: try DatabaseConfiguration(url: TestEnvironment.postgresURL), outbox: outbox, publisher: connection,
                    service: "test", logger: TestEnvironment.logger,
                    safetyTick: .milliseconds(200), retryPolicy: OutboxRetryPolicy(parkAfter: 2, maxWaitSeconds: 1)
                )
                var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
                try await outbox.transaction(on: client, logger: TestEnvironment.logger) { connection in
                    try await outbox.enqueue(
                        [
                            message("a1", correlation: "a", exchange: exchange, routingKey: "nowhere"),
                            message("a2", correlation: "a", exchange: exchange, routingKey: "ok.a2"),
                            message("b1", correlation: "b", exchange: exchange, routingKey: "ok.b1"),
                        ], on: connection, logger: TestEnvironment.logger)
                }
                let relayTask = Task { try await relay.run() }
                defer { relayTask.cancel() }

                let first = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
                #expect(first.properties.messageID == "b1", "another conversation is not held up")
                connection.ack(first)
                // a1 is refused, waits 1 s, is refused again and parked; only then a2 leaves.
                let started = ContinuousClock.now
                let second = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(10)))
                #expect(second.properties.messageID == "a2")
                #expect(ContinuousClock.now - started >= .milliseconds(800), "a2 waited for a1's retry")
                connection.ack(second)

                let parked = try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT message_id, attempts, last_error FROM \(schema).outbox_parked"), logger: TestEnvironment.logger
                )
                var rows: [(String, Int, String?)] = []
                for try await row in parked.decode((String, Int, String?).self) { rows.append(row) }
                #expect(rows.count == 1)
                #expect(rows.first?.0 == "a1" && rows.first?.1 == 2)
                #expect(rows.first?.2?.contains("unroutable") == true)
                try await TestEnvironment.waitUntilAsync("the outbox is empty", timeout: .seconds(5)) {
                    (try? await count("SELECT count(*) FROM \(schema).outbox", client)) == 0
                }
            }
        }
    }

    @Test func theJanitorForgetsOnlyInboxRowsOlderThanTheRetention() async throws {
        try await TestEnvironment.withPostgres { client in
            let schema = DatabaseIntegrationTests.schemaName()
            try await MigrationRunner(schema: schema, migrations: Migration.messagingMigrations(schema: schema)).run(
                on: client, logger: TestEnvironment.logger)
            try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema).inbox (consumer, message_id, received_at)
                        SELECT 'c', 'old-' || n, now() - interval '200 hours' FROM generate_series(1, 25) AS n
                        UNION ALL SELECT 'c', 'recent-' || n, now() - interval '1 hour' FROM generate_series(1, 5) AS n
                        """), logger: TestEnvironment.logger)
            let janitor = MessagingJanitor(client: client, schema: schema, inboxRetentionHours: 168, chunk: 10, logger: TestEnvironment.logger)
            #expect(try await janitor.purgeInbox() == 25)
            #expect(try await count("SELECT count(*) FROM \(schema).inbox WHERE message_id LIKE 'recent-%'", client) == 5)
            #expect(try await count("SELECT count(*) FROM \(schema).inbox", client) == 5)
        }
    }

    func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        var value = 0
        for try await count in rows.decode(Int.self) { value = count }
        return value
    }
}
