/// When the outbox relay looks for rows, and when it lets its turn go: rules without I/O,
/// kept by ``OutboxPipeline``.
///
/// Why (issue #17): at a few dozen SMS per second the relays sent more statements than the
/// services' own work — a look for rows on every wake-up, the confirms' wake-ups included,
/// and the schema's turn taken and let go around every batch (`pg_advisory_lock` and
/// `pg_advisory_unlock`, 8 of the 46 statements per SMS at 50 SMS/s). Each is a round trip
/// that costs both processes CPU, and this machine's CPU is what the latency is
/// (docs/benchmark.md). So the relay looks only when something may wait: a commit, a
/// notification or the safety tick since its last look, or a last look that left rows
/// behind (a full batch, or rows of a conversation that has one out). And once it has
/// published, it keeps the turn for ``linger`` after it runs out of work, looking again every
/// ``recheck`` (other replicas' rows wake only their own relay, which waits for the turn
/// meanwhile), so that under a steady load it is taken once, not once per batch. A turn that
/// published nothing (a tick, a commit whose rows another relay took) is let go at once.
public struct OutboxLookout: Sendable {
    /// What to do with the turn once nothing is out and nothing is left.
    public enum IdleTurn: Equatable, Sendable {
        /// Keep it, and look again after this long.
        case keep(lookAgainIn: Duration)
        /// Let it go: idle for ``OutboxLookout/linger``.
        case letGo
    }

    /// How long the relay keeps the turn with nothing to do.
    public let linger: Duration
    /// How often it looks for rows meanwhile.
    public let recheck: Duration

    /// Work noted (commits, notifications, ticks); starts at 1 so the first step looks.
    private var noted = 1
    /// The ``noted`` count the last completed look started at.
    private var lookedThrough = 0
    /// The last look left rows behind.
    private var moreLeft = false
    private var idleSince: ContinuousClock.Instant?
    /// Rows were launched since the turn was taken.
    private var publishedThisTurn = false

    public init(linger: Duration = .milliseconds(100), recheck: Duration = .milliseconds(50)) {
        self.linger = linger
        self.recheck = recheck
    }

    /// Something may have been committed since the last look.
    public var needsLook: Bool { noted != lookedThrough || moreLeft }

    /// A commit, a notification or a tick: rows may wait.
    public mutating func noteWork() {
        noted &+= 1
    }

    /// Marks the start of a look; pass the mark to ``looked(through:selected:deferred:batchSize:)``,
    /// so work noted while the look runs is looked for again.
    public var lookMark: Int { noted }

    /// The look that started at `mark` selected `selected` rows (at most `batchSize`), of
    /// which `deferred` wait for a row of their conversation that is out; the look left out
    /// the rows of `conversationsOut` conversations that had a row out (rows it cannot count),
    /// so it is repeated once one of those is settled.
    public mutating func looked(through mark: Int, selected: Int, deferred: Int, conversationsOut: Int = 0, batchSize: Int) {
        lookedThrough = mark
        moreLeft = selected >= batchSize || deferred > 0 || conversationsOut > 0
        if selected > deferred {
            idleSince = nil
            publishedThisTurn = true
        }
    }

    /// Nothing out, nothing left: keep the turn a while, or let it go.
    public mutating func idle(at now: ContinuousClock.Instant = .now) -> IdleTurn {
        guard publishedThisTurn else { return .letGo }
        let since = idleSince ?? now
        idleSince = since
        guard now - since < linger else {
            idleSince = nil
            return .letGo
        }
        return .keep(lookAgainIn: recheck)
    }

    /// The turn was let go or lost: the next idle period starts afresh.
    public mutating func turnEnded() {
        idleSince = nil
        publishedThisTurn = false
    }
}
