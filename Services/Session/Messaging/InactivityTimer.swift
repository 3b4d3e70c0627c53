import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Closes Session-mode interactions whose inactivity deadline passed.
///
/// Deadlines live in PostgreSQL, so they survive restarts: a session's deadline is its
/// last activity plus its timeout, and `interactions.timeout_at` is when the timer looks at
/// it next (never later than the deadline; activity does not move it, which keeps the
/// per-message row update free of index changes). A session looked at that was active
/// since gets its real deadline as the next look.
/// Its ``DeadlineLoop`` sleeps until the earliest deadline, then this claims due rows with
/// `FOR UPDATE SKIP LOCKED`: however many `session` instances run, each timeout fires once,
/// within a second. "Now" is the database's clock, as for every other timer.
struct InactivityTimer: DueTimer {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let store: PostgresInteractionStore
    let commands: InteractionCommands
    let logger: Logger

    func secondsUntilNext() async throws -> Double? {
        try await store.secondsUntilNextTimeout(client: client, logger: logger)
    }

    func fireDue(limit: Int) async throws -> Int {
        try await outbox.transaction(on: client, logger: logger) { connection in
            // The database's clock, as every other timer uses (not this host's).
            let now = try await store.databaseNow(on: connection, logger: logger)
            let due = try await store.claimDueTimeouts(now: now, limit: limit, on: connection, logger: logger)
            for record in due {
                try await commands.timeout(record, now: now, on: connection)
                logger.info("session timed out", metadata: ["interaction_id": "\(record.idString)"])
            }
            return due.count
        }
    }
}
