import Foundation
import PostgresNIO

extension TestEnvironment {
    /// Runs two transactions so that they overlap: `first` runs and stays open (uncommitted)
    /// while `second` starts; 300 ms later `first` commits, then both are awaited. Without a
    /// lock between them, `second` runs to its end against a snapshot missing `first`'s rows.
    static func interleave(
        _ client: PostgresClient,
        first: @escaping @Sendable (PostgresConnection) async throws -> Void,
        second: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws {
        let (ran, ranSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { ranSignal.finish() }
                try await client.withTransaction(logger: logger) { connection in
                    try await first(connection)
                    ranSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in ran { break }
            group.addTask { try await client.withTransaction(logger: logger) { try await second($0) } }
            try await Task.sleep(for: .milliseconds(300))
            releaseSignal.finish()
            try await group.waitForAll()
        }
    }
}
