import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import Testing

/// The readiness probe answers in time whatever the database does.
@Suite("Database probe (real PostgreSQL)", .serialized)
struct DatabaseProbeIntegrationTests {
    @Test func aReachableDatabaseAnswersTrue() async throws {
        try await TestEnvironment.withPostgres { client in
            let probe = DatabaseProbe(client: client, logger: TestEnvironment.logger)
            #expect(await probe.isReachable())
            async let first = probe.isReachable()
            async let second = probe.isReachable()
            let answers = await [first, second]
            #expect(answers == [true, true], "callers sharing one query both get its answer")
        }
    }

    /// Nothing listens on the port: every probe says false after its timeout, none hangs.
    @Test func anUnreachableDatabaseAnswersFalseInTime() async throws {
        let configuration = try DatabaseConfiguration(url: "postgres://switchboard:switchboard@127.0.0.1:1/switchboard", maxConnections: 2)
        let client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: TestEnvironment.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            let probe = DatabaseProbe(client: client, logger: TestEnvironment.logger, timeout: .milliseconds(300))
            for _ in 0..<3 {
                let started = ContinuousClock.now
                #expect(await probe.isReachable() == false)
                #expect(ContinuousClock.now - started < .seconds(2))
            }
            group.cancelAll()
        }
    }
}
