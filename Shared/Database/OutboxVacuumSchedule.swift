/// When the outbox relay vacuums its outbox itself: a rule without I/O, kept by
/// ``OutboxPipeline``.
///
/// Why (issue #17): the outbox is a queue table. Every row is inserted, published and
/// deleted within a fraction of a second, and a deleted row stays in the table and its
/// indexes until a vacuum removes it. PostgreSQL's autovacuum looks at a table at most
/// once a minute (`autovacuum_naptime`, one setting for the whole server), so at 600 SMS/s
/// each outbox gathered 24,000 dead rows between two of its visits, and the relay's look,
/// which walks the outbox in id order, read more of them on every call: 500 buffers a
/// look for ingest's relay at that rate, against 40 in a freshly vacuumed outbox
/// (docs/benchmark.md, "sixth pass"). So the relay vacuums its outbox once it has deleted
/// ``rowsBetween`` rows since its last vacuum, at most every ``minimumInterval``: a vacuum
/// of a few thousand dead rows of a small table takes milliseconds, and at low rates
/// (fewer than ``rowsBetween`` rows a minute) autovacuum alone keeps up.
public struct OutboxVacuumSchedule: Sendable {
    /// Rows deleted since the last vacuum after which the next one is due.
    public let rowsBetween: Int
    /// The least time between two vacuums, whatever the rate.
    public let minimumInterval: Duration

    private var deletedSinceVacuum = 0
    private var lastVacuum: ContinuousClock.Instant?

    public init(rowsBetween: Int = 2_000, minimumInterval: Duration = .seconds(2)) {
        self.rowsBetween = rowsBetween
        self.minimumInterval = minimumInterval
    }

    /// The relay deleted `count` confirmed rows.
    public mutating func deleted(_ count: Int) {
        deletedSinceVacuum += count
    }

    /// Whether the relay should vacuum its outbox now.
    public func isDue(at now: ContinuousClock.Instant = .now) -> Bool {
        guard deletedSinceVacuum >= rowsBetween else { return false }
        guard let lastVacuum else { return true }
        return now - lastVacuum >= minimumInterval
    }

    /// A vacuum ran (or was tried: a failed one is not retried before ``minimumInterval``).
    public mutating func vacuumed(at now: ContinuousClock.Instant = .now) {
        deletedSinceVacuum = 0
        lastVacuum = now
    }
}
