import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase

/// Closes Session-mode interactions whose inactivity deadline passed.
///
/// Deadlines live in PostgreSQL (`interactions.timeout_at`), so they survive restarts.
/// The timer sleeps until the earliest deadline (at most `maxSleep`, so a deadline set by
/// another replica is seen promptly), then claims due rows with `FOR UPDATE SKIP LOCKED`:
/// however many `session` instances run, each timeout fires once, within a second.
struct InactivityTimer: Service {
    let client: PostgresClient
    let store: any InteractionStore
    let commands: InteractionCommands
    let gate: @Sendable () async -> Void
    let logger: Logger
    var maxSleep: Duration = .milliseconds(500)
    var batch = 100

    func run() async throws {
        await gate()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var fired = 0
                    repeat {
                        fired = try await fireDue()
                    } while fired == batch
                    let next = try await store.nextTimeout(client: client, logger: logger)
                    let wait = next.map { max(0, $0.timeIntervalSinceNow) } ?? 3600
                    try await Task.sleep(for: min(.milliseconds(Int(wait * 1000) + 5), maxSleep))
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("inactivity timer failed; retrying", metadata: ["reason": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    private func fireDue() async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            let now = Date()
            let due = try await store.claimDueTimeouts(now: now, limit: batch, on: connection, logger: logger)
            for record in due {
                try await commands.timeout(record, now: now, on: connection)
                logger.info("session timed out", metadata: ["interaction_id": "\(record.idString)"])
            }
            return due.count
        }
    }
}
