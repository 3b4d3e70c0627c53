/// Wakes a process's ``OutboxRelay`` right after one of the process's own transactions
/// that wrote to the outbox has committed.
///
/// This replaces a `NOTIFY` per writing transaction: PostgreSQL serialises every
/// committing transaction that issued `NOTIFY` on one database-wide lock, held through its
/// WAL flush, so at a few hundred commits per second the services' commits queued behind
/// each other instead of sharing flushes (measured: see docs/benchmark.md). Wake-ups
/// coalesce: a relay that is busy drains once more when it is done, whatever the number of
/// commits in between.
public final class OutboxSignal: Sendable {
    /// The relay's wake-ups (one consumer: the process's relay).
    public let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (wakeups, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the relay to drain the outbox (a no-op while a wake-up is already pending).
    public func wake() {
        continuation.yield()
    }
}
