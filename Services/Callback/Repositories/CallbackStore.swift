import Foundation
import Logging
import PostgresNIO

/// Callbacks and their timers, behind a protocol so the rules can be tested without a database.
///
/// Everything that changes a callback runs on the caller's connection inside the caller's
/// transaction, so the change, its outbox event and (for consumers) the inbox record commit
/// together.
protocol CallbackStore: Sendable {
    func insert(_ record: CallbackRecord, on connection: PostgresConnection, logger: Logger) async throws
    /// The callback locked for update (`FOR UPDATE`: waits for a firing or another change in
    /// flight, then sees its result), or nil.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CallbackRecord?
    /// Writes every mutable column of `record`.
    func update(_ record: CallbackRecord, on connection: PostgresConnection, logger: Logger) async throws
    /// The database's clock and the `scheduled` callbacks due by it, oldest first, locked
    /// with `FOR UPDATE SKIP LOCKED`: instances split them, and a row being changed by a
    /// request is left for the next pass.
    func claimDue(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> (now: Date, records: [CallbackRecord])
    /// Marks claimed callbacks `due`, fired at `at`.
    func markDue(_ ids: [UUID], at: Date, on connection: PostgresConnection, logger: Logger) async throws
    /// Seconds from the database's clock to the earliest `scheduled` due time (negative when
    /// overdue), or nil when none is scheduled.
    func secondsUntilNextDue(client: PostgresClient, logger: Logger) async throws -> Double?
    /// Re-points every callback of contact `source` to `target`; returns the changed callbacks.
    /// Moves the source contact's callbacks to the target and remembers them under `mergeID`.
    func repointContact(
        from source: String, to target: String, mergeID: String, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [CallbackRecord]
    /// Gives the callbacks merge `mergeID` moved back to their source contact (those still
    /// on the target; one re-pointed by hand since stays where it is) and forgets the merge.
    func restoreContact(mergeID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> [CallbackRecord]
    func callback(id: UUID, client: PostgresClient, logger: Logger) async throws -> CallbackRecord?
    func list(_ filter: CallbackFilter, client: PostgresClient, logger: Logger) async throws -> CallbackPage
}
