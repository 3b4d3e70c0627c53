import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase

/// Closes Session-mode interactions whose inactivity deadline passed.
///
/// Deadlines live in PostgreSQL, so they survive restarts: a session's deadline is its
/// last activity plus its timeout, and `interactions.timeout_at` is when the timer looks at
/// it next (never later than the deadline; activity does not move it, which keeps the
/// per-message row update free of index changes). A session looked at that was active
/// since gets its real deadline as the next look.
/// The timer sleeps until the earliest deadline (at most `maxSleep`, so a deadline set by
/// another replica is seen promptly), then claims due rows with `FOR UPDATE SKIP LOCKED`:
/// however many `session` instances run, each timeout fires once, within a second. "Now" is
/// the database's clock, as for the callback, offer and reassembly timers.
struct InactivityTimer: Service {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let store: any InteractionStore
    let commands: InteractionCommands
    let gate: @Sendable () async -> Void
    let logger: Logger
    var maxSleep: Duration = .milliseconds(500)
    var batch = 100

    func run() async throws {
        await gate()
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        await DeadlineLoop(name: "inactivity timer", batch: batch, maxSleep: maxSleep, logger: logger).run(
            fireDue: { _ in try await fireDue() },
            secondsUntilNext: { try await store.secondsUntilNextTimeout(client: client, logger: logger) }
        )
    }

    private func fireDue() async throws -> Int {
        try await outbox.transaction(on: client, logger: logger) { connection in
            // The database's clock, as every other timer uses (not this host's).
            let now = try await store.databaseNow(on: connection, logger: logger)
            let due = try await store.claimDueTimeouts(now: now, limit: batch, on: connection, logger: logger)
            for record in due {
                try await commands.timeout(record, now: now, on: connection)
                logger.info("session timed out", metadata: ["interaction_id": "\(record.idString)"])
            }
            return due.count
        }
    }
}
