/// How long a free batch worker may wait for more deliveries before it takes a small
/// batch (`SWITCHBOARD_BATCH_LINGER_MS`), and whether waiting is worth it.
///
/// Without it, a worker takes whatever waits the moment it is free. Under a steady,
/// moderate load that is one or two deliveries, and each costs a transaction, its round
/// trips, a relay step and the broker's confirms of its own: on a small host the services
/// then saturate the CPUs long before their peak, and the backlog that finally forms the
/// large batches is what the latency is made of (docs/benchmark.md, issue #17). Waiting a
/// few milliseconds for the next deliveries forms those batches without a backlog.
///
/// A worker waits only when it pays: the batch is below its maximum, and at the recent
/// rate of arrivals (``ArrivalRate``) at least one more delivery is expected before the
/// oldest waiting one has waited ``window``. Idle, nothing is expected, so a delivery is
/// taken at once; under a load it waits up to the window at every hop. Measured on 2 cores,
/// what that buys is CPU per message (a third less below the peak) and a higher peak, not
/// a lower p99 (docs/benchmark.md, thirteenth pass), which is why it is off by default.
public struct BatchLinger: Sendable, Equatable {
    /// The longest a delivery waits for others to join its batch. Zero turns lingering off.
    public var window: Duration

    /// Never wait: a free worker takes whatever waits (the behaviour before issue #17's
    /// thirteenth pass).
    public static let off = BatchLinger(window: .zero)

    public init(window: Duration) {
        self.window = max(.zero, window)
    }

    /// Whether the worker never waits.
    public var isOff: Bool { window <= .zero }

    /// How long a lingering worker sleeps before it looks again (a batch may have filled).
    var slice: Duration { max(.milliseconds(1), window / 4) }

    /// How long arrivals are counted over to estimate their rate: ten windows, and at least
    /// 100 ms, so one stray delivery after a quiet spell does not look like a stream.
    var rateWindow: Duration { max(.milliseconds(100), window * 10) }

    /// When a free worker should take the waiting deliveries, or nil to take them now.
    ///
    /// - Parameters:
    ///   - oldestArrival: when the first waiting delivery arrived; nil for one that was
    ///     handled before and goes round again (it is not kept waiting).
    ///   - waiting: how many deliveries wait.
    ///   - maximum: the largest batch a worker takes.
    ///   - arrivalsPerSecond: the recent rate (``ArrivalRate/perSecond(at:)``).
    func deadline(
        oldestArrival: ContinuousClock.Instant?, waiting: Int, maximum: Int, arrivalsPerSecond: Double, now: ContinuousClock.Instant
    ) -> ContinuousClock.Instant? {
        guard !isOff, waiting > 0, waiting < maximum, let oldestArrival else { return nil }
        let deadline = oldestArrival + window
        guard deadline > now else { return nil }
        let expected = arrivalsPerSecond * (deadline - now).seconds
        return expected >= 1 ? deadline : nil
    }
}
