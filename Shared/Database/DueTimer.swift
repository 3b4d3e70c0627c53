/// Timers kept as rows in PostgreSQL (inactivity timeouts, callbacks, offer expiries, SMS
/// reassembly), fired by a ``DeadlineLoop``.
///
/// Both operations read "now" from the database's clock, never the host's, so replicas on
/// hosts with skewed clocks agree on what is due and none fires early.
public protocol DueTimer: Sendable {
    /// Claims and applies up to `limit` due timers (`FOR UPDATE SKIP LOCKED`, in the
    /// transaction that applies them); returns how many were due.
    func fireDue(limit: Int) async throws -> Int
    /// Seconds until the earliest pending deadline (≤ 0 when one is due), or nil when none is pending.
    func secondsUntilNext() async throws -> Double?
}
