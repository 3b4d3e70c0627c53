import NIOConcurrencyHelpers
import SwitchboardAMQP
import Testing

/// A batch consumer with a linger (``BatchLinger``, issue #17) against the real broker:
/// deliveries that stream in at a steady rate are gathered into a few batches instead of
/// one transaction each, in order, and every one is handled once.
@Suite("Consumer linger", .serialized)
struct ConsumerLingerIntegrationTests {
    @Test func aSteadyStreamIsGatheredIntoFewBatches() async throws {
        let exchange = TestEnvironment.unique("linger-x")
        let queue = TestEnvironment.unique("linger-q")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
        )
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let batches = NIOLockedValueBox<[[String]]>([])
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 256, concurrency: 1,
                source: "integration-test", logger: TestEnvironment.logger, orderingKey: { $0.properties.correlationID },
                maxBatch: 50, linger: BatchLinger(window: .milliseconds(100))
            ) { deliveries in
                batches.withLockedValue { $0.append(deliveries.map { String(decoding: $0.body, as: UTF8.self) }) }
                return deliveries.map { _ in .ack }
            }
            let task = Task { try await consumer.run() }
            // About 150 a second, one at a time, each confirmed before the next.
            let count = 120
            for index in 0..<count {
                var message = AMQPMessage.test(exchange: exchange, routingKey: "key", text: "\(index)")
                message.properties.correlationID = "conversation-\(index)"
                try await connection.publish(message)
                try await Task.sleep(for: .milliseconds(5))
            }
            try await TestEnvironment.waitUntil("all handled", timeout: .seconds(10)) {
                batches.withLockedValue { $0.joined().count } >= count
            }
            task.cancel()
            let seen = batches.withLockedValue { $0 }
            #expect(seen.joined().map { Int($0) } == Array(0..<count), "each handled once, in order")
            // Without the linger a free worker takes each as it comes: about one batch per
            // message. With it, after the first tenth of a second shows the rate, batches of
            // about 15 (100 ms at 150/s).
            #expect(seen.count <= 40, "batches: \(seen.map(\.count))")
            #expect(seen.map(\.count).max() ?? 0 >= 8, "batches: \(seen.map(\.count))")
        }
    }
}
