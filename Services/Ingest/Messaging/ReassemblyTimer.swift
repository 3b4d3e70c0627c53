import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Emits the concatenated SMS whose parts did not all arrive within
/// `SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS` (default 60) of the first one: one
/// `message.received` with the parts that arrived, in order, and `incomplete: true`.
///
/// The timers are the open groups' `due_at` (durable; they survive restarts). Its
/// ``DeadlineLoop`` sleeps until the earliest due time, then, for each due group, in one transaction: takes the conversation's advisory lock
/// (the order the acceptor takes locks in, so the two never deadlock, and the message
/// keeps the conversation's acceptance order), claims the group with `FOR UPDATE SKIP
/// LOCKED` if it is still open and due, and emits it. However many instances run, a group
/// is emitted once (a part completing it at the same moment wins or loses cleanly: the
/// claim re-checks `emitted_at`). "Now" is the database's clock.
struct ReassemblyTimer: DueTimer {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let parts: PostgresPartStore
    let acceptor: InboundAcceptor
    let logger: Logger

    func secondsUntilNext() async throws -> Double? {
        try await parts.secondsUntilNextDue(client: client, logger: logger)
    }

    /// Emits the due groups; returns how many were due.
    func fireDue(limit: Int) async throws -> Int {
        let due = try await parts.dueGroups(limit: limit, client: client, logger: logger)
        for candidate in due {
            try await outbox.transaction(on: client, logger: logger) { connection in
                let conversation = ConversationKey.make(customer: candidate.from, organisation: candidate.to)
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(conversation)))", logger: logger)
                guard let group = try await parts.claimDue(candidate.id, on: connection, logger: logger) else { return }
                try await acceptor.emitGroup(group, incomplete: true, on: connection)
            }
        }
        return due.count
    }
}
