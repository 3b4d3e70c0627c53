import Foundation
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardAMQP
import Testing

/// How a consumer treats deliveries whose handler failed transiently (issue #19), against
/// the real broker: a retried message keeps its place in its conversation, and failures
/// during an outage never spend the queue's delivery limit.
@Suite("Consumer redelivery", .serialized)
struct ConsumerRedeliveryIntegrationTests {
    /// A queue of our own with a dead-letter queue, as the services' queues are set up.
    func topology(deliveryLimit: Int) -> (AMQPTopology, exchange: String, queue: String, dead: String) {
        let exchange = TestEnvironment.unique("redelivery-x")
        let queue = TestEnvironment.unique("redelivery-q")
        let dead = TestEnvironment.unique("redelivery-dead")
        let deadExchange = TestEnvironment.unique("redelivery-dlx")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct), .init(name: deadExchange, kind: .fanout)],
            queues: [
                .init(
                    name: queue,
                    arguments: [
                        "x-queue-type": .string("quorum"), "x-dead-letter-exchange": .string(deadExchange),
                        "x-delivery-limit": .int(Int64(deliveryLimit)), "x-expires": .int(300_000),
                    ]),
                .init(name: dead, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)]),
            ],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key"), .init(queue: dead, exchange: deadExchange, routingKey: "")]
        )
        return (topology, exchange, queue, dead)
    }

    /// Messages "1", "2" and "3" of one conversation (one correlation id), ids `<ids>-1`….
    func oneConversation(exchange: String, ids: String) -> [AMQPMessage] {
        ["1", "2", "3"].map { text in
            var message = AMQPMessage.test(exchange: exchange, routingKey: "key", text: text, id: "\(ids)-\(text)")
            message.properties.correlationID = "one-conversation"
            return message
        }
    }

    /// A consumer ordered by correlation id whose handler records every message it is given
    /// in `calls`, fails "1" every time and acks the others.
    func failingMessage1(
        _ connection: AMQPConnection, queue: String, concurrency: Int, calls: NIOLockedValueBox<[String]>,
        deadLetterExchange: String = SwitchboardTopology.deadLetterExchange, redelivery: RedeliveryPolicy
    ) -> AMQPConsumer {
        AMQPConsumer(
            connection: connection, publisher: connection, queue: queue, prefetch: 50, concurrency: concurrency,
            source: "integration-test", logger: TestEnvironment.logger, redelivery: redelivery,
            deadLetterExchange: deadLetterExchange, orderingKey: { $0.properties.correlationID }
        ) { delivery in
            let text = String(decoding: delivery.body, as: UTF8.self)
            calls.withLockedValue { $0.append(text) }
            return text == "1" ? .retry(reason: "message 1 always fails") : .ack
        }
    }

    /// Message 1 of a conversation fails once; message 2, already prefetched, must still be
    /// handled after it (before the fix the failed one was requeued and its key released,
    /// so 2 overtook it).
    @Test func aRetriedMessageKeepsItsPlaceInItsConversation() async throws {
        let (topology, exchange, queue, _) = topology(deliveryLimit: 5)
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let seen = NIOLockedValueBox<[String]>([])
            let failedOnce = NIOLockedValueBox(false)
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 50, concurrency: 4,
                source: "integration-test", logger: TestEnvironment.logger,
                redelivery: RedeliveryPolicy(localAttempts: 3, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200)),
                orderingKey: { $0.properties.correlationID }
            ) { delivery in
                let text = String(decoding: delivery.body, as: UTF8.self)
                let fail =
                    text == "1"
                    && failedOnce.withLockedValue { failed in
                        defer { failed = true }
                        return !failed
                    }
                if fail { return .retry(reason: "failing message 1 once for the test") }
                seen.withLockedValue { $0.append(text) }
                return .ack
            }
            var messages: [AMQPMessage] = []
            for text in ["1", "2", "3"] {
                var message = AMQPMessage.test(exchange: exchange, routingKey: "key", text: text)
                message.properties.correlationID = "one-conversation"
                messages.append(message)
            }
            // All three wait in the queue before the consumer starts, so 2 and 3 are prefetched with 1.
            #expect(await connection.publish(batch: messages).allSatisfy { $0 == nil })
            let task = Task { try await consumer.run() }
            try await TestEnvironment.waitUntil("all three handled", timeout: .seconds(10)) { seen.withLockedValue { $0.count } == 3 }
            #expect(seen.withLockedValue { $0 } == ["1", "2", "3"])
            task.cancel()
        }
    }

    /// While the dependencies are unhealthy, a failing message is kept and tried again for
    /// as long as the outage lasts — far more often than the queue's delivery limit (2 here)
    /// — and is handled once they recover: nothing is dead-lettered.
    @Test func anOutageNeverSpendsTheDeliveryLimit() async throws {
        let (topology, exchange, queue, dead) = topology(deliveryLimit: 2)
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let outage = NIOLockedValueBox(true)
            let tries = NIOLockedValueBox(0)
            let handled = NIOLockedValueBox<[String]>([])
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 50, concurrency: 2,
                source: "integration-test", logger: TestEnvironment.logger,
                dependenciesHealthy: { !outage.withLockedValue { $0 } },
                redelivery: RedeliveryPolicy(localAttempts: 2, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50)),
                orderingKey: { $0.properties.correlationID }
            ) { delivery in
                tries.withLockedValue { $0 += 1 }
                if outage.withLockedValue({ $0 }) { return .retry(reason: "database unreachable (simulated)") }
                handled.withLockedValue { $0.append(String(decoding: delivery.body, as: UTF8.self)) }
                return .ack
            }
            let task = Task { try await consumer.run() }
            var messages: [AMQPMessage] = []
            for index in 0..<10 {
                var message = AMQPMessage.test(exchange: exchange, routingKey: "key", text: "\(index)")
                message.properties.correlationID = "conversation-\(index % 3)"
                messages.append(message)
            }
            #expect(await connection.publish(batch: messages).allSatisfy { $0 == nil })
            try await TestEnvironment.waitUntil("many tries during the outage", timeout: .seconds(10)) { tries.withLockedValue { $0 } >= 60 }
            outage.withLockedValue { $0 = false }
            try await TestEnvironment.waitUntil("all handled after the outage", timeout: .seconds(10)) {
                handled.withLockedValue { $0.count } == 10
            }
            for key in 0..<3 {
                let texts = handled.withLockedValue { $0 }.compactMap(Int.init).filter { $0 % 3 == key }
                #expect(texts == texts.sorted(), "conversation-\(key) in order")
            }
            var deadLetters = connection.consume(queue: dead, prefetch: 1).makeAsyncIterator()
            #expect(await TestEnvironment.next(&deadLetters, timeout: .seconds(1)) == nil, "nothing dead-lettered")
            task.cancel()
        }
    }

    /// A message that fails on its own while the dependencies are healthy is a poison
    /// message: tried a few times here, then dead-lettered by the consumer with its reason.
    @Test func aMessageFailingWhileOthersSucceedStillReachesTheDeadLetterQueue() async throws {
        let (topology, exchange, queue, dead) = topology(deliveryLimit: 5)
        let deadExchange = try #require(topology.queues.first { $0.name == queue }?.arguments["x-dead-letter-exchange"]?.stringValue)
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 10, concurrency: 2,
                source: "integration-test", logger: TestEnvironment.logger,
                redelivery: RedeliveryPolicy(localAttempts: 2, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(20)),
                deadLetterExchange: deadExchange
            ) { _ in .retry(reason: "always fails") }
            let task = Task { try await consumer.run() }
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "poison", id: "m-transient-poison"))
            var deadLetters = connection.consume(queue: dead, prefetch: 1).makeAsyncIterator()
            let letter = try #require(await TestEnvironment.next(&deadLetters, timeout: .seconds(10)))
            #expect(letter.properties.messageID == "m-transient-poison")
            let why = letter.properties.headers["x-switchboard-error"]?.stringValue ?? ""
            #expect(why.contains("failed 2 times") && why.contains("always fails"), "\(why)")
            connection.ack(letter)
            task.cancel()
        }
    }

    /// Message 1 of a conversation fails every time; 2 and 3 wait behind it, prefetched. 1 is
    /// dead-lettered with the conversation still held, so 2 and 3 are handled after it and 1 is
    /// never handled again after them. Before the fix, 1 was given back to the broker with
    /// its conversation freed: 2 and 3 overtook it and 1 came back after them (the drill's
    /// reorders).
    @Test func aPoisonMessageIsSettledBeforeItsConversationMovesOn() async throws {
        let (topology, exchange, queue, dead) = topology(deliveryLimit: 5)
        let deadExchange = try #require(topology.queues.first { $0.name == queue }?.arguments["x-dead-letter-exchange"]?.stringValue)
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let calls = NIOLockedValueBox<[String]>([])
            let consumer = failingMessage1(
                connection, queue: queue, concurrency: 4, calls: calls, deadLetterExchange: deadExchange,
                redelivery: RedeliveryPolicy(localAttempts: 2, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50)))
            #expect(await connection.publish(batch: oneConversation(exchange: exchange, ids: "m-conversation")).allSatisfy { $0 == nil })
            let task = Task { try await consumer.run() }
            var deadLetters = connection.consume(queue: dead, prefetch: 1).makeAsyncIterator()
            let letter = try #require(await TestEnvironment.next(&deadLetters, timeout: .seconds(10)))
            #expect(letter.properties.messageID == "m-conversation-1")
            connection.ack(letter)
            try await TestEnvironment.waitUntil("2 and 3 handled", timeout: .seconds(10)) { calls.withLockedValue { $0.contains("3") } }
            // Long enough for a requeued 1 to come back, as it did before the fix.
            try await Task.sleep(for: .seconds(1))
            #expect(calls.withLockedValue { $0 } == ["1", "1", "2", "3"])
            task.cancel()
        }
    }

    /// Shutting down while message 1 of a conversation waits to be tried again, with 2 and 3
    /// prefetched behind it: 1 goes back to the broker, and 2 and 3 are not handled here
    /// either (before the fix they were, after 1 had gone back: another replica would then
    /// apply 1 after them). All three are in the queue afterwards, 1 first.
    @Test(arguments: [false, true])
    func aConversationGivenBackAtShutdownIsNotOvertaken(graceful: Bool) async throws {
        let (topology, exchange, queue, _) = topology(deliveryLimit: 5)
        let calls = NIOLockedValueBox<[String]>([])
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let consumer = failingMessage1(
                connection, queue: queue, concurrency: 2, calls: calls,
                redelivery: RedeliveryPolicy(localAttempts: 5, initialBackoff: .seconds(5), maxBackoff: .seconds(5)))
            #expect(await connection.publish(batch: oneConversation(exchange: exchange, ids: "m-shutdown")).allSatisfy { $0 == nil })
            // 1 fails, then waits its 5 s before trying again; the consumer is told to stop
            // meanwhile: as a service is (SIGTERM: its consumer cancelled at the broker, then
            // the drain), or by cancelling its task (still subscribed at the broker).
            if graceful {
                let group = ServiceGroup(configuration: .init(services: [.init(service: consumer)], logger: TestEnvironment.logger))
                let running = Task { try await group.run() }
                try await TestEnvironment.waitUntil("1 failed once", timeout: .seconds(10)) { calls.withLockedValue { $0 } == ["1"] }
                await group.triggerGracefulShutdown()
                try await running.value
            } else {
                let task = Task { try await consumer.run() }
                try await TestEnvironment.waitUntil("1 failed once", timeout: .seconds(10)) { calls.withLockedValue { $0 } == ["1"] }
                task.cancel()
                _ = try? await task.value
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(!calls.withLockedValue { $0 }.contains("2"), "\(calls.withLockedValue { $0 })")
        }
        // The connection closed: what it held went back. Nothing is lost, and 1 comes first.
        try await TestEnvironment.withConnection(topology: topology) { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            var order: [String] = []
            while order.count < 3, let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(10)) {
                order.append(String(decoding: delivery.body, as: UTF8.self))
                connection.ack(delivery)
            }
            #expect(order == ["1", "2", "3"])
        }
    }
}
