import Foundation
import Logging
import SwitchboardAMQP
import Testing

@testable import Ingest

/// The broker side of outbound routing (issue #14), against the real RabbitMQ: an exchange an
/// earlier version declared without its alternate exchange is replaced at connect, after
/// which a message no queue is bound for lands in the alternate exchange's queue instead of
/// being dropped; and the upgrade empties the old catch-all queue back through the exchange.
@Suite("Outbound routing (real RabbitMQ)", .serialized)
struct OutboundRoutingIntegrationTests {
    @Test func anEarlierDeclarationIsReplacedAndUnroutedMessagesAreKept() async throws {
        let exchange = TestEnvironment.unique("outbound-x")
        let alternate = TestEnvironment.unique("outbound-unrouted-x")
        let kept = TestEnvironment.unique("outbound-unrouted-q")
        // The earlier version: the exchange without arguments.
        try await TestEnvironment.withConnection(topology: AMQPTopology(exchanges: [.init(name: exchange, kind: .topic)])) { _ in }
        let topology = AMQPTopology(
            exchanges: [
                .init(name: exchange, kind: .topic, arguments: ["alternate-exchange": .string(alternate)], replacesEarlierDeclaration: true),
                .init(name: alternate, kind: .fanout),
            ],
            queues: [.init(name: kept, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)])],
            bindings: [.init(queue: kept, exchange: alternate, routingKey: "")]
        )
        try await TestEnvironment.withConnection(topology: topology) { connection in
            #expect(connection.isConnected, "the declaration with the alternate exchange was accepted")
            try await connection.publish(AMQPMessage.test(exchange: exchange, routingKey: "sms.nobody", text: "reply 1"))
            #expect(try await connection.manage(.messageCount(queue: kept)) == 1, "kept, not dropped")
            try await connection.manage(.bind(queue: kept, exchange: exchange, routingKey: "sms.somebody"))
            try await connection.manage(.unbind(queue: kept, exchange: exchange, routingKey: "sms.somebody"))
            #expect(try await connection.manage(.messageCount(queue: TestEnvironment.unique("missing"))) == nil)
            #expect(try await connection.manage(.deleteQueueIfEmpty(queue: kept)) == nil, "not empty: kept")
        }
    }

    @Test func theOldCatchAllQueueIsEmptiedBackThroughTheExchangeAndDeleted() async throws {
        let target = TestEnvironment.unique("legacy-target")
        let channel = "legacy-\(UUID().uuidString.prefix(8).lowercased())"
        var topology = SwitchboardTopology.topology()
        topology.queues.append(.init(name: target, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(300_000)]))
        topology.bindings.append(.init(queue: target, exchange: SwitchboardTopology.outboundExchange, routingKey: "sms.\(channel)"))
        try await TestEnvironment.withConnection(topology: topology) { connection in
            let legacy = QueueName.legacyOutboundSMS.rawValue
            // What an earlier version left: the queue, with replies routed into it by `sms.<channel>`.
            let feeder = TestEnvironment.unique("legacy-feeder")
            let earlier = AMQPTopology(
                exchanges: [.init(name: feeder, kind: .direct)],
                queues: [.init(name: legacy, arguments: ["x-queue-type": .string("quorum")])],
                bindings: [.init(queue: legacy, exchange: feeder, routingKey: "sms.\(channel)")]
            )
            try await TestEnvironment.withConnection(topology: earlier) { old in
                for index in 1...3 {
                    try await old.publish(AMQPMessage.test(exchange: feeder, routingKey: "sms.\(channel)", text: "left \(index)"))
                }
                try await old.manage(.unbind(queue: legacy, exchange: feeder, routingKey: "sms.\(channel)"))
            }
            let moved = await LegacyOutboundQueue(connection: connection, logger: TestEnvironment.logger).drain()
            #expect(moved)
            #expect(try await connection.manage(.messageCount(queue: legacy)) == nil, "deleted")
            #expect(try await connection.manage(.messageCount(queue: target)) == 3, "every reply went round again")
        }
    }
}
