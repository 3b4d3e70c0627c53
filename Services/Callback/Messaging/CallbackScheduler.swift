import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Fires callbacks at their due time: each `scheduled` callback whose `due_at` passed
/// becomes `due` and emits `callback.due`, once, within a second of its due time, however
/// many `callback` instances run and whatever restarts happen (docs/architecture.md section 4).
///
/// The timers are the rows themselves (`callbacks.due_at` where `state = 'scheduled'`,
/// partial index `callbacks_due`), so they survive restarts. Its ``DeadlineLoop`` sleeps
/// until the earliest due time, but at most 500 ms, so a callback scheduled or moved
/// earlier by another instance is seen promptly. Then, in one transaction, it claims due
/// rows with `FOR UPDATE SKIP LOCKED`, marks them `due` and writes their events to the
/// outbox (``CallbackCommands/fireDue(limit:on:)``):
/// - two instances never claim the same row (SKIP LOCKED), and a committed claim is no
///   longer `scheduled`, so no callback fires twice;
/// - an instance that dies mid-claim has its transaction rolled back by PostgreSQL when
///   the connection drops, so the rows are `scheduled` again for the next pass of any
///   instance: no lease and no rescuer are needed, because nothing is ever "claimed but
///   not yet done" outside an open transaction.
///
/// "Now" is the database's clock (`clock_timestamp()`), for the claim and for the sleep, so
/// instances on hosts with skewed clocks agree on what is due and none fires early.
struct CallbackScheduler: DueTimer {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let store: PostgresCallbackStore
    let commands: CallbackCommands
    let logger: Logger

    func secondsUntilNext() async throws -> Double? {
        try await store.secondsUntilNextDue(client: client, logger: logger)
    }

    /// One claim: returns how many callbacks fired; metrics and logs after the commit.
    func fireDue(limit: Int) async throws -> Int {
        let fired = try await outbox.transaction(on: client, logger: logger) { connection in
            try await commands.fireDue(limit: limit, on: connection)
        }
        for record in fired {
            let late = (record.firedAt ?? Date()).timeIntervalSince(record.dueAt)
            CallbackMetrics.fired(channel: record.channel, lateSeconds: late)
            logger.info(
                "callback due",
                metadata: [
                    "callback_id": "\(record.idString)", "late_ms": "\(Int((late * 1000).rounded()))",
                ])
        }
        return fired.count
    }
}
