import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase
import SwitchboardServiceKit
import Testing

/// A real pool in a service group closes well within its limit at shutdown, with a query
/// just answered and a connection still open.
@Suite("A PostgreSQL pool in a service group", .serialized)
struct PostgresPoolServiceIntegrationTests {
    @Test func aRealPoolClosesAtShutdownWellWithinItsLimit() async throws {
        let configuration = try DatabaseConfiguration(url: TestEnvironment.postgresURL, maxConnections: 4)
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: TestEnvironment.logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [PostgresPoolService(client: client, name: "database", logger: TestEnvironment.logger)],
                logger: TestEnvironment.logger))
        let running = Task { try await group.run() }
        try await TestEnvironment.waitUntilAsync(
            "PostgreSQL reachable at \(configuration.host):\(configuration.port)/\(configuration.database)", timeout: .seconds(15)
        ) {
            (try? await client.query("SELECT 1", logger: TestEnvironment.logger)) != nil
        }
        // Several connections open: two queries at once.
        async let first = client.query("SELECT pg_sleep(0.2)", logger: TestEnvironment.logger)
        async let second = client.query("SELECT pg_sleep(0.2)", logger: TestEnvironment.logger)
        _ = try await (first, second)

        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        let took = ContinuousClock.now - start
        #expect(took < .seconds(2), "the pool closed at shutdown, not at its 3-s limit (\(took))")
        await #expect(throws: (any Error).self, "a closed pool takes no query") {
            try await client.query("SELECT 1", logger: TestEnvironment.logger)
        }
    }
}
