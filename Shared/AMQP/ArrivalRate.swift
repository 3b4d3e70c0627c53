/// The recent rate at which deliveries arrive, for ``BatchLinger``: arrivals are counted
/// over consecutive windows, and the rate is the count of the previous window and the
/// current one over the time they span. Cheap enough for every delivery (one clock read
/// and two additions under the scheduler's lock), and it forgets: a window that ended more
/// than a window ago counts nothing.
struct ArrivalRate: Sendable {
    let window: Duration
    private var currentStart: ContinuousClock.Instant?
    private var current = 0
    private var previous = 0

    init(window: Duration) {
        self.window = max(.milliseconds(1), window)
    }

    /// One delivery arrived at `now`.
    mutating func record(at now: ContinuousClock.Instant) {
        roll(to: now)
        current += 1
    }

    /// Arrivals per second over the previous and the current window.
    func perSecond(at now: ContinuousClock.Instant) -> Double {
        guard let currentStart else { return 0 }
        let elapsed = now - currentStart
        if elapsed >= window * 2 { return 0 }
        if elapsed >= window {
            // The current window is over: it is the previous one now, and the new one is empty.
            return Double(current) / elapsed.seconds
        }
        let span = window + elapsed
        return Double(previous + current) / span.seconds
    }

    private mutating func roll(to now: ContinuousClock.Instant) {
        guard let start = currentStart else {
            currentStart = now
            return
        }
        let elapsed = now - start
        guard elapsed >= window else { return }
        previous = elapsed < window * 2 ? current : 0
        current = 0
        currentStart = now
    }
}
