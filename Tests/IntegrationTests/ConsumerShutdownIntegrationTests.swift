import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import Testing

/// Graceful shutdown of a consumer whose handler is stuck on a database that does not
/// answer (issue #19): the service must still stop within its 10 s, and the delivery it
/// held must stay in the queue for the next consumer.
@Suite("Consumer shutdown", .serialized)
struct ConsumerShutdownIntegrationTests {
    @Test func aHandlerStuckOnTheDatabaseIsCancelledAtTheEndOfTheDrain() async throws {
        let exchange = TestEnvironment.unique("shutdown-x")
        let queue = TestEnvironment.unique("shutdown-q")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
        )
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let entered = NIOLockedValueBox(0)
            let release = NIOLockedValueBox(false)
            let consumer = AMQPConsumer(
                connection: connection, publisher: connection, queue: queue, prefetch: 10, concurrency: 2,
                source: "integration-test", logger: TestEnvironment.logger, shutdownDrainLimit: .milliseconds(500)
            ) { _ in
                entered.withLockedValue { $0 += 1 }
                do {
                    // What a transaction on a frozen link looks like: deaf to cancellation,
                    // answered only by its deadline (far beyond the shutdown budget here).
                    _ = try await Deadline.run(.seconds(60), "a transaction on a frozen link") { () async throws -> Int in
                        while !release.withLockedValue({ $0 }) { usleep(10_000) }
                        return 1
                    }
                    return .ack
                } catch {
                    return .retry(reason: "\(error)")
                }
            }
            defer { release.withLockedValue { $0 = true } }
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: consumer)], logger: TestEnvironment.logger)
            )
            let running = Task { try await group.run() }
            try await connection.publish(AMQPMessage.test(exchange: exchange, routingKey: "key", text: "held"))
            try await TestEnvironment.waitUntil("the handler is running", timeout: .seconds(10)) { entered.withLockedValue { $0 } == 1 }

            let started = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            let took = ContinuousClock.now - started
            #expect(took < .seconds(3), "the consumer stopped \(took) after SIGTERM; its drain limit is 0.5 s")

            // The delivery went back to the queue, unacknowledged: the next consumer gets it.
            var again = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            let redelivered = await TestEnvironment.next(&again, timeout: .seconds(5))
            #expect(redelivered.map { String(decoding: $0.body, as: UTF8.self) } == "held")
            if let redelivered { connection.ack(redelivered) }
        }
    }
}
