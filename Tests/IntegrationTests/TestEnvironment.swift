import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import Testing

/// Where the real RabbitMQ and PostgreSQL are (started by `scripts/test`). A test that
/// cannot reach them fails and says so: it never passes because a server was missing.
enum TestEnvironment {
    static let environment = ProcessInfo.processInfo.environment
    static let amqpURL = environment["SWITCHBOARD_TEST_AMQP_URL"] ?? "amqp://switchboard:switchboard@127.0.0.1:5672/%2F"
    static let postgresURL =
        environment["SWITCHBOARD_TEST_POSTGRES_URL"]
        ?? "postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test"
    static let rabbitNode = environment["SWITCHBOARD_TEST_RABBITMQ_NODE"] ?? "rabbit@localhost"

    static var logger: Logger {
        var logger = Logger(label: "integration-test")
        logger.logLevel = .warning
        return logger
    }

    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `body` with a started connection declaring `topology`.
    /// `endpoints`, when given, replace the broker address of the URL (the URL's user,
    /// password and virtual host are kept): several nodes, or proxies to the one broker.
    static func withConnection<T: Sendable>(
        topology: AMQPTopology, name: String = "integration-test", confirmWindow: Int = 2048, endpoints: [AMQPEndpoint]? = nil,
        _ body: (AMQPConnection) async throws -> T
    ) async throws -> T {
        var configuration = try AMQPConfiguration(url: amqpURL, connectionName: name)
        if let endpoints { configuration.endpoints = endpoints }
        configuration.confirmWindow = confirmWindow
        configuration.maxReconnectDelay = .seconds(1)
        let connection = AMQPConnection(configuration: configuration, topology: topology, logger: logger)
        let task = Task { try await connection.run() }
        defer {
            connection.stop()
            task.cancel()
        }
        try await waitUntil("RabbitMQ reachable at \(configuration.host):\(configuration.port) (start it: scripts/test does)", timeout: .seconds(20))
        {
            connection.isConnected
        }
        let result = try await body(connection)
        connection.stop()
        _ = try? await task.value
        return result
    }

    /// Runs `body` with a running PostgreSQL client.
    static func withPostgres<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let configuration = try DatabaseConfiguration(url: postgresURL, maxConnections: 10)
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            do {
                try await waitUntilAsync(
                    "PostgreSQL reachable at \(configuration.host):\(configuration.port)/\(configuration.database)", timeout: .seconds(15)
                ) {
                    (try? await client.query("SELECT 1", logger: logger)) != nil
                }
                let result = try await body(client)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    static func waitUntil(_ what: String, timeout: Duration, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for: \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func waitUntilAsync(_ what: String, timeout: Duration, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for: \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The next delivery of a stream within `timeout`, or nil.
    static func next(_ iterator: inout AsyncStream<AMQPDelivery>.Iterator, timeout: Duration) async -> AMQPDelivery? {
        let box = IteratorBox(iterator)
        let result = await withTaskGroup(of: AMQPDelivery?.self) { group in
            group.addTask { await box.next() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        iterator = box.iterator
        return result
    }

    static func rabbitmqctl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-n", rabbitNode] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("rabbitmqctl \(arguments) failed") }
    }
}

/// Lets a task-group child advance a stream iterator.
final class IteratorBox: @unchecked Sendable {
    var iterator: AsyncStream<AMQPDelivery>.Iterator
    init(_ iterator: AsyncStream<AMQPDelivery>.Iterator) { self.iterator = iterator }
    func next() async -> AMQPDelivery? { await iterator.next() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AMQPMessage {
    static func test(exchange: String, routingKey: String, text: String, id: String = UUID().uuidString, mandatory: Bool = true) -> AMQPMessage {
        AMQPMessage(
            exchange: exchange, routingKey: routingKey, body: Data(text.utf8),
            properties: AMQPProperties(
                messageID: id, type: "test", headers: ["traceparent": .string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]),
            mandatory: mandatory
        )
    }
}
