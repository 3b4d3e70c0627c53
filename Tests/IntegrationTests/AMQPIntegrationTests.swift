import Foundation
import SwitchboardAMQP
import Testing

/// The AMQP layer against the real RabbitMQ.
@Suite("AMQP over rabbitmq-c (real RabbitMQ)", .serialized)
struct AMQPIntegrationTests {
    /// A private exchange and quorum queue per test.
    func topology(deliveryLimit: Int = 5) -> (AMQPTopology, exchange: String, queue: String, dead: String) {
        let exchange = TestEnvironment.unique("exchange")
        let queue = TestEnvironment.unique("queue")
        let deadExchange = TestEnvironment.unique("dead")
        let deadQueue = TestEnvironment.unique("dead-letters")
        return (
            AMQPTopology(
                exchanges: [.init(name: exchange, kind: .direct), .init(name: deadExchange, kind: .topic)],
                queues: [
                    .init(
                        name: queue,
                        arguments: [
                            "x-queue-type": .string("quorum"), "x-dead-letter-exchange": .string(deadExchange),
                            "x-delivery-limit": .int(Int64(deliveryLimit)), "x-expires": .int(300_000),
                        ]),
                    .init(name: deadQueue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)]),
                ],
                bindings: [
                    .init(queue: queue, exchange: exchange, routingKey: "key"), .init(queue: deadQueue, exchange: deadExchange, routingKey: "#"),
                ]
            ), exchange, queue, deadQueue
        )
    }

    @Test func confirmedPublishIsDeliveredWithProperties() async throws {
        let (topology, exchange, queue, _) = topology()
        try await TestEnvironment.withConnection(topology: topology) { connection in
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "hello", id: "m-1"))
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(String(decoding: delivery.body, as: UTF8.self) == "hello")
            #expect(delivery.properties.messageID == "m-1")
            #expect(delivery.properties.deliveryMode == 2)
            #expect(delivery.properties.type == "test")
            #expect(delivery.properties.headers["traceparent"]?.stringValue?.hasPrefix("00-4bf9") == true)
            connection.ack(delivery)
        }
    }

    /// The connection's thread carries its name, so a thread dump of a service that does not
    /// stop shows which thread is the broker's (before, the name was too long for Linux and
    /// the thread showed as one of Swift's own).
    @Test func theConnectionsThreadIsNamedForIt() async throws {
        let (topology, _, _, _) = topology()
        try await TestEnvironment.withConnection(topology: topology, name: "it-thread") { _ in
            let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
                try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(names.contains("amqp-it-thread"), "threads: \(names)")
        }
    }

    @Test func publishToMissingExchangeFailsAndChannelRecovers() async throws {
        let (topology, exchange, _, _) = topology()
        try await TestEnvironment.withConnection(topology: topology) { connection in
            do {
                try await connection.publish(.test(exchange: "test.no-such-exchange", routingKey: "key", text: "x"))
                Issue.record("publishing to a missing exchange must fail")
            } catch let error as AMQPError {
                guard case .channelClosed(let code, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(code == 404)
            }
            // The publish channel was reopened: the next publish is confirmed.
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "after"))
        }
    }

    @Test func unroutableMandatoryPublishFails() async throws {
        let (topology, exchange, _, _) = topology()
        try await TestEnvironment.withConnection(topology: topology) { connection in
            do {
                try await connection.publish(.test(exchange: exchange, routingKey: "nobody-bound", text: "x"))
                Issue.record("an unroutable mandatory publish must fail")
            } catch let error as AMQPError {
                guard case .unroutable(let code, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(code == 312)
            }
            // Not mandatory: accepted and dropped by the broker.
            try await connection.publish(.test(exchange: exchange, routingKey: "nobody-bound", text: "x", mandatory: false))
        }
    }

    @Test func manyPublishesInFlightAreAllConfirmed() async throws {
        let (topology, exchange, _, _) = topology()
        try await TestEnvironment.withConnection(topology: topology, confirmWindow: 256) { connection in
            let messages = (0..<2000).map { AMQPMessage.test(exchange: exchange, routingKey: "key", text: "m\($0)") }
            let outcomes = await connection.publish(batch: messages)
            #expect(outcomes.count == 2000)
            #expect(outcomes.allSatisfy { $0 == nil })
        }
    }

    @Test func unackedMessageIsRedeliveredAfterConsumerDies() async throws {
        let (topology, exchange, queue, _) = topology()
        try await TestEnvironment.withConnection(topology: topology, name: "dying-consumer") { connection in
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "important", id: "m-redeliver"))
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            let first = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(first.redelivered == false)
            // No ack: the connection closes at the end of this block.
        }
        try await TestEnvironment.withConnection(topology: topology, name: "second-consumer") { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            let again = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(10)))
            #expect(again.properties.messageID == "m-redeliver")
            #expect(again.redelivered)
            connection.ack(again)
        }
    }

    /// Acks are coalesced into `multiple` frames (``UnsettledDeliveries``), never past a
    /// delivery that was not acked: 3 and 5 stay unsettled while the others are acked in
    /// one hand-over, and come back when the connection goes; nothing acked comes back.
    @Test func coalescedAcksSettleOnlyWhatWasAcked() async throws {
        let (topology, exchange, queue, _) = topology()
        try await TestEnvironment.withConnection(topology: topology, name: "coalescing-consumer") { connection in
            let outcomes = await connection.publish(
                batch: (1...6).map { AMQPMessage.test(exchange: exchange, routingKey: "key", text: "m\($0)", id: "m-\($0)") })
            #expect(outcomes.allSatisfy { $0 == nil })
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            var received: [AMQPDelivery] = []
            for _ in 1...6 { received.append(try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))) }
            #expect(received.map(\.properties.messageID) == (1...6).map { "m-\($0)" })
            connection.ack(all: [received[3], received[0], received[5], received[1]])
            // The acks reach the broker before the connection closes (same thread, in order).
            try await connection.manage(.messageCount(queue: queue))
        }
        try await TestEnvironment.withConnection(topology: topology, name: "coalescing-second") { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            var again: [String] = []
            while let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(2)) {
                again.append(delivery.properties.messageID ?? "-")
                #expect(delivery.redelivered)
                connection.ack(delivery)
            }
            #expect(again == ["m-3", "m-5"])
        }
    }

    @Test func recoversAfterBrokerClosesAllConnections() async throws {
        let (topology, exchange, queue, _) = topology()
        try await TestEnvironment.withConnection(topology: topology, name: "recovering") { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "before"))
            let before = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            connection.ack(before)

            try TestEnvironment.rabbitmqctl(["close_all_connections", "integration test: recovery"])
            try await TestEnvironment.waitUntil("connection lost", timeout: .seconds(5)) { !connection.isConnected }
            try await TestEnvironment.waitUntil("reconnected", timeout: .seconds(20)) { connection.isConnected }

            // Publishing and the re-attached consumer work again.
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "after", id: "m-after"))
            var after: AMQPDelivery?
            for _ in 0..<5 {
                guard let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(10)) else { break }
                connection.ack(delivery)
                if delivery.properties.messageID == "m-after" {
                    after = delivery
                    break
                }
            }
            #expect(after != nil, "the consumer was re-attached after recovery")
        }
    }

    /// A publish handed over while no broker can be reached fails after the confirm timeout
    /// instead of waiting for ever (issue #19: the outbox relay held its lock meanwhile).
    @Test func aPublishQueuedWithoutABrokerFailsInBoundedTime() async throws {
        // A port nothing listens on: the connection keeps retrying, the publish waits queued.
        var configuration = AMQPConfiguration(host: "127.0.0.1", port: 1, confirmTimeout: .seconds(1), connectionName: "unreachable-test")
        configuration.maxReconnectDelay = .milliseconds(500)
        let connection = AMQPConnection(configuration: configuration, topology: AMQPTopology(), logger: TestEnvironment.logger)
        let task = Task { try await connection.run() }
        defer {
            connection.stop()
            task.cancel()
        }
        let started = ContinuousClock.now
        let outcomes = await connection.publish(batch: [.test(exchange: "amq.direct", routingKey: "none", text: "lost?")])
        let waited = ContinuousClock.now - started
        #expect(outcomes == [.confirmTimedOut])
        #expect(waited >= .seconds(1) && waited < .seconds(4), "failed after the confirm timeout, not never (\(waited))")
    }

    /// A consumer the broker refuses (its queue is missing) is reported detached, which
    /// readiness shows, and attaches by itself once the queue exists (issue #19).
    @Test func aConsumerThatCannotAttachIsReportedUntilItDoes() async throws {
        let (topology, exchange, _, _) = topology()
        let late = TestEnvironment.unique("late-queue")
        try await TestEnvironment.withConnection(topology: topology) { connection in
            var deliveries = connection.consume(queue: late, prefetch: 1).makeAsyncIterator()
            try await TestEnvironment.waitUntil("the consumer reported detached", timeout: .seconds(5)) {
                connection.detachedConsumerQueues == [late]
            }
            #expect(connection.isConnected, "the connection itself is fine")
            let declared = AMQPTopology(
                exchanges: [.init(name: exchange, kind: .direct)],
                queues: [.init(name: late, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
                bindings: [.init(queue: late, exchange: exchange, routingKey: "late")]
            )
            try await TestEnvironment.withConnection(topology: declared, name: "declarer") { _ in }
            try await TestEnvironment.waitUntil("the consumer attached", timeout: .seconds(10)) {
                connection.detachedConsumerQueues.isEmpty
            }
            try await connection.publish(.test(exchange: exchange, routingKey: "late", text: "now", id: "m-late"))
            let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(delivery.properties.messageID == "m-late")
            connection.ack(delivery)
        }
    }

    /// A message the broker refuses with a nack (here a full queue that rejects publishes)
    /// fails its publish with `.nacked`, and the messages beside it are still confirmed: the
    /// outbox keeps a refused row and retries it (issue #19).
    @Test func aNackFromTheBrokerFailsThatPublishAlone() async throws {
        let exchange = TestEnvironment.unique("nack-x")
        let queue = TestEnvironment.unique("nack-q")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [
                .init(
                    name: queue,
                    arguments: [
                        // Classic: its length limit is exact (a quorum queue's is checked lazily).
                        "x-queue-type": .string("classic"), "x-max-length": .int(1), "x-overflow": .string("reject-publish"),
                        "x-expires": .int(300_000),
                    ])
            ],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
        )
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let first = await connection.publish(batch: [.test(exchange: exchange, routingKey: "key", text: "fits", id: "m-fits")])
            #expect(first == [nil])
            let second = await connection.publish(batch: [.test(exchange: exchange, routingKey: "key", text: "full", id: "m-full")])
            #expect(second == [.nacked])
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(delivery.properties.messageID == "m-fits")
            connection.ack(delivery)
            #expect(await TestEnvironment.next(&deliveries, timeout: .seconds(1)) == nil, "the nacked message was not enqueued")
        }
    }

    /// The broker cancels a consumer whose queue is deleted under it: the consumer is
    /// reported detached (readiness shows it) and attaches again by itself (issue #19: the
    /// broker closing a consumer's channel or consumer). The queue is of the connection's
    /// own topology, so the connection declares it again, with its binding, as a restart
    /// would: before, the consumer stayed detached until something else declared it.
    @Test func aConsumerCancelledByTheBrokerIsReportedAndAttachesAgain() async throws {
        let exchange = TestEnvironment.unique("cancel-x")
        let queue = TestEnvironment.unique("cancel-q")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
        )
        try await TestEnvironment.withConnection(topology: topology) { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "before", id: "m-before"))
            let before = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            connection.ack(before)
            #expect(connection.detachedConsumerQueues.isEmpty)
            try TestEnvironment.rabbitmqctl(["delete_queue", queue])
            try await TestEnvironment.waitUntil("the cancelled consumer reported detached", timeout: .seconds(10)) {
                connection.detachedConsumerQueues == [queue]
            }
            try await TestEnvironment.waitUntil("the consumer attached again", timeout: .seconds(15)) {
                connection.detachedConsumerQueues.isEmpty
            }
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "after", id: "m-after"))
            let after = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(after.properties.messageID == "m-after")
            connection.ack(after)
        }
    }

    @Test func poisonMessageIsDeadLetteredAfterDeliveryLimit() async throws {
        let (topology, exchange, queue, deadQueue) = topology(deliveryLimit: 2)
        try await TestEnvironment.withConnection(topology: topology) { connection in
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "poison", id: "m-poison"))
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            var attempts = 0
            while let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(3)) {
                attempts += 1
                connection.reject(delivery, requeue: true)
                if attempts > 10 { break }
            }
            #expect(attempts == 3, "delivered once plus the delivery limit of 2 redeliveries")
            var dead = connection.consume(queue: deadQueue, prefetch: 1).makeAsyncIterator()
            let letter = try #require(await TestEnvironment.next(&dead, timeout: .seconds(5)))
            #expect(letter.properties.messageID == "m-poison")
            connection.ack(letter)
        }
    }

    @Test func consumerDeadLettersWithReasonAndKeepsOrderPerKey() async throws {
        let (topology, exchange, queue, _) = topology()
        let deadQueue = TestEnvironment.unique("switchboard-dead")
        var full = topology
        full.exchanges.append(.init(name: SwitchboardTopology.deadLetterExchange, kind: .topic))
        full.queues.append(.init(name: deadQueue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)]))
        full.bindings.append(.init(queue: deadQueue, exchange: SwitchboardTopology.deadLetterExchange, routingKey: queue))
        try await TestEnvironment.withConnection(topology: full) { connection in
            let seen = SeenOrder()
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 50, concurrency: 4,
                source: "integration-test", logger: TestEnvironment.logger,
                orderingKey: { $0.properties.correlationID }
            ) { delivery in
                let text = String(decoding: delivery.body, as: UTF8.self)
                if text == "poison" { return .deadLetter(reason: "poison for the test") }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 0...3)))
                seen.record(key: delivery.properties.correlationID ?? "", text: text)
                return .ack
            }
            let task = Task { try await consumer.run() }
            var messages: [AMQPMessage] = []
            for index in 0..<100 {
                var message = AMQPMessage.test(exchange: exchange, routingKey: "key", text: "\(index)")
                message.properties.correlationID = "conversation-\(index % 5)"
                messages.append(message)
            }
            messages.append(.test(exchange: exchange, routingKey: "key", text: "poison", id: "m-poison-reason"))
            #expect(await connection.publish(batch: messages).allSatisfy { $0 == nil })
            try await TestEnvironment.waitUntil("all handled", timeout: .seconds(15)) { seen.count == 100 }
            for key in 0..<5 {
                let texts = seen.texts(for: "conversation-\(key)").compactMap(Int.init)
                #expect(texts == texts.sorted(), "messages of one key are handled in order")
            }
            var dead = connection.consume(queue: deadQueue, prefetch: 1).makeAsyncIterator()
            let letter = try #require(await TestEnvironment.next(&dead, timeout: .seconds(5)))
            #expect(letter.properties.headers["x-switchboard-error"]?.stringValue == "poison for the test")
            #expect(letter.properties.headers["x-switchboard-queue"]?.stringValue == queue)
            connection.ack(letter)
            task.cancel()
        }
    }
}

final class SeenOrder: @unchecked Sendable {
    private let lock = NSLock()
    private var byKey: [String: [String]] = [:]
    private var total = 0

    func record(key: String, text: String) {
        lock.withLock {
            byKey[key, default: []].append(text)
            total += 1
        }
    }

    var count: Int { lock.withLock { total } }
    func texts(for key: String) -> [String] { lock.withLock { byKey[key] ?? [] } }
}
