import Foundation
import SwitchboardAMQP
import Testing

/// A connection given the nodes of a cluster (docs/architecture.md section 10.5) uses one
/// that answers and moves to another when its node goes away, with its consumers attached
/// again and publishing confirmed again. The "nodes" are proxies to the one broker this
/// machine runs: what the connection sees of a node that dies is its socket closing.
@Suite("AMQP: moving to another node", .serialized)
struct AMQPFailoverIntegrationTests {
    @Test func aConnectionSkipsADeadNodeAndMovesOnWhenItsNodeGoesAway() async throws {
        let brokerPort = try #require(URLComponents(string: TestEnvironment.amqpURL)?.port ?? 5672)
        let first = try FreezingProxy.start(upstreamPort: brokerPort)
        let second = try FreezingProxy.start(upstreamPort: brokerPort)
        defer {
            first.stop()
            second.stop()
        }
        let exchange = TestEnvironment.unique("failover")
        let queue = TestEnvironment.unique("failover-queue")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
        )
        // A node nobody answers on comes first: the next is tried at once, not after a backoff.
        let endpoints = [
            AMQPEndpoint(host: "127.0.0.1", port: 1), AMQPEndpoint(host: "127.0.0.1", port: first.port),
            AMQPEndpoint(host: "127.0.0.1", port: second.port),
        ]
        let started = ContinuousClock.now
        try await TestEnvironment.withConnection(topology: topology, name: "failover", endpoints: endpoints) { connection in
            #expect(ContinuousClock.now - started < .seconds(3), "connected through the second address without a backoff")
            var deliveries = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "before", id: "m-before"))
            let before = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(before.properties.messageID == "m-before")
            connection.ack(before)

            // Its node goes away (every socket closed, nothing listening any more).
            let lost = ContinuousClock.now
            first.stop()
            try await TestEnvironment.waitUntil("connection lost", timeout: .seconds(10)) { !connection.isConnected }
            try await TestEnvironment.waitUntil("connected to the next node", timeout: .seconds(10)) { connection.isConnected }
            #expect(ContinuousClock.now - lost < .seconds(5), "moved to the next node within seconds")

            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "after", id: "m-after"))
            var after: AMQPDelivery?
            for _ in 0..<3 {
                guard let delivery = await TestEnvironment.next(&deliveries, timeout: .seconds(10)) else { break }
                connection.ack(delivery)
                if delivery.properties.messageID == "m-after" {
                    after = delivery
                    break
                }
            }
            #expect(after != nil, "the consumer is attached again through the next node")
        }
    }
}
