import Foundation
import SwitchboardAMQP
import Testing

/// `deploy/rabbitmq/definitions.json` (what compose loads into RabbitMQ) must equal the
/// topology every service declares, or a declaration would be refused at start-up.
@Suite("RabbitMQ definitions match the code's topology")
struct TopologyDefinitionsTests {
    struct Definitions: Decodable {
        struct Exchange: Decodable {
            let name: String
            let type: String
            let durable: Bool
            let arguments: [String: ArgumentValue]
        }
        struct Queue: Decodable {
            let name: String
            let durable: Bool
            let arguments: [String: ArgumentValue]
        }
        struct Binding: Decodable {
            let source: String
            let destination: String
            let destination_type: String
            let routing_key: String
        }
        let exchanges: [Exchange]
        let queues: [Queue]
        let bindings: [Binding]
    }

    enum ArgumentValue: Decodable, Equatable, CustomStringConvertible {
        case string(String)
        case int(Int64)
        case bool(Bool)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else if let int = try? container.decode(Int64.self) {
                self = .int(int)
            } else {
                self = .string(try container.decode(String.self))
            }
        }

        init(_ value: AMQPHeaderValue) {
            switch value {
            case .bool(let bool): self = .bool(bool)
            case .int(let int): self = .int(int)
            default: self = .string(value.stringValue ?? "")
            }
        }

        var description: String {
            switch self {
            case .string(let value): "\"\(value)\""
            case .int(let value): "\(value)"
            case .bool(let value): "\(value)"
            }
        }
    }

    func load() throws -> Definitions {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/rabbitmq/definitions.json")
        return try JSONDecoder().decode(Definitions.self, from: Data(contentsOf: url))
    }

    @Test func sameExchangesQueuesArgumentsAndBindings() throws {
        let definitions = try load()
        let topology = SwitchboardTopology.topology(deliveryLimit: 5)
        #expect(
            Set(definitions.exchanges.map { "\($0.name) \($0.type) \($0.durable) \($0.arguments.sorted { $0.key < $1.key })" })
                == Set(
                    topology.exchanges.map {
                        "\($0.name) \($0.kind.rawValue) true \($0.arguments.mapValues(ArgumentValue.init).sorted { $0.key < $1.key })"
                    }))
        let queues = Dictionary(uniqueKeysWithValues: definitions.queues.map { ($0.name, $0) })
        #expect(Set(queues.keys) == Set(topology.queues.map(\.name)))
        for queue in topology.queues {
            let defined = try #require(queues[queue.name])
            #expect(defined.durable)
            let expected = queue.arguments.mapValues(ArgumentValue.init)
            #expect(defined.arguments == expected, "arguments of \(queue.name)")
        }
        #expect(
            Set(definitions.bindings.filter { $0.destination_type == "queue" }.map { "\($0.source) -> \($0.destination) [\($0.routing_key)]" })
                == Set(topology.bindings.map { "\($0.exchange) -> \($0.queue) [\($0.routingKey)]" }))
        #expect(
            Set(definitions.bindings.filter { $0.destination_type == "exchange" }.map { "\($0.source) -> \($0.destination) [\($0.routing_key)]" })
                == Set(topology.exchangeBindings.map { "\($0.source) -> \($0.destination) [\($0.routingKey)]" }))
    }

    /// `SWITCHBOARD_SESSION_PARTITIONS`: that many partition queues, each with a single
    /// active consumer and weight 1 on the partition exchange.
    @Test func thePartitionCountIsConfiguration() {
        let topology = SwitchboardTopology.topology(sessionPartitions: 6)
        let partitions = topology.queues.filter { $0.name.hasPrefix("session.inbound.") }
        #expect(partitions.map(\.name) == (0..<6).map { "session.inbound.\($0)" })
        #expect(partitions.allSatisfy { $0.arguments["x-single-active-consumer"] == .bool(true) })
        #expect(
            topology.bindings.filter { $0.exchange == SwitchboardTopology.sessionPartitionExchange }.map(\.routingKey)
                == Array(repeating: "1", count: 6))
        // Only session's own connections take partitions above the count out of the ring.
        #expect(!topology.obsoleteBindings.contains { $0.exchange == SwitchboardTopology.sessionPartitionExchange })
    }

    @Test func sessionUnbindsThePartitionsAboveItsCount() {
        let topology = SwitchboardTopology.topology(sessionPartitions: 2, removesSurplusPartitions: true)
        let surplus = topology.obsoleteBindings.filter { $0.exchange == SwitchboardTopology.sessionPartitionExchange }.map(\.queue)
        #expect(surplus == (2..<SwitchboardTopology.maxSessionPartitions).map { "session.inbound.\($0)" })
        #expect(topology.queues.filter { $0.name.hasPrefix("session.inbound.") }.count == 2)
    }
}
