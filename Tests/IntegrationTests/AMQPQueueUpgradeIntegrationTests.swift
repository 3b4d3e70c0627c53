import Foundation
import SwitchboardAMQP
import Testing

/// RabbitMQ cannot change a queue's arguments. `ingest.messages` gained a single active
/// consumer (order across ingest replicas); on a broker where an earlier version declared
/// it without, the services must still start and consume it as it is, saying so.
@Suite("AMQP: a queue an earlier version declared", .serialized)
struct AMQPQueueUpgradeIntegrationTests {
    @Test func aQueueDeclaredWithOtherArgumentsIsUsedAsItIs() async throws {
        let exchange = TestEnvironment.unique("upgrade")
        let queue = TestEnvironment.unique("upgrade-queue")
        let earlier = ["x-queue-type": AMQPHeaderValue.string("quorum"), "x-expires": .int(300_000)]
        var later = earlier
        later["x-single-active-consumer"] = .bool(true)
        func topology(_ arguments: [String: AMQPHeaderValue], keeps: Bool) -> AMQPTopology {
            AMQPTopology(
                exchanges: [.init(name: exchange, kind: .direct)],
                queues: [.init(name: queue, arguments: arguments, keepsEarlierDeclaration: keeps)],
                bindings: [.init(queue: queue, exchange: exchange, routingKey: "key")]
            )
        }
        try await TestEnvironment.withConnection(topology: topology(earlier, keeps: false), name: "earlier-version") { _ in }
        try await TestEnvironment.withConnection(topology: topology(later, keeps: true), name: "later-version") { connection in
            var deliveries = connection.consume(queue: queue, prefetch: 1).makeAsyncIterator()
            try await connection.publish(.test(exchange: exchange, routingKey: "key", text: "still flowing", id: "m-upgrade"))
            let delivery = try #require(await TestEnvironment.next(&deliveries, timeout: .seconds(5)))
            #expect(delivery.properties.messageID == "m-upgrade")
            connection.ack(delivery)
        }
    }

    /// Session unbinds the partitions above its count whether or not their queues exist
    /// (a lower `SWITCHBOARD_SESSION_PARTITIONS`): a missing queue is no binding to remove.
    @Test func unbindingFromAQueueThatDoesNotExistIsNotAnError() async throws {
        let exchange = TestEnvironment.unique("unbind")
        var topology = AMQPTopology(exchanges: [.init(name: exchange, kind: .direct)], queues: [], bindings: [])
        topology.obsoleteBindings = [
            .init(queue: TestEnvironment.unique("never-made"), exchange: exchange, routingKey: "1"),
            .init(queue: TestEnvironment.unique("never-made-either"), exchange: exchange, routingKey: "1"),
        ]
        try await TestEnvironment.withConnection(topology: topology, name: "surplus-unbinder") { connection in
            try await connection.publish(.test(exchange: exchange, routingKey: "none", text: "unroutable", mandatory: false))
        }
    }
}
