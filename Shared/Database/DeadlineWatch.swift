import Synchronization

/// The pending deadlines of every ``Deadline/run(_:_:_:)`` in the process, watched by one
/// task that ticks while any is pending and ends when none is.
///
/// Each run used to start a timer task of its own: a `Task.sleep` on Dispatch's timer
/// thread, and a cancellation that woke that task again when the operation finished in
/// time, as nearly all do. That was two or three thread wake-ups per transaction on the
/// path of every SMS (issue #17, tenth pass). Here a run adds its deadline to a table and
/// removes it when done; a deadline fires at most one ``tick`` late, which the limits in
/// use (seconds) do not feel.
public final class DeadlineWatch: Sendable {
    /// The process's watch, which ``Deadline/run(_:_:_:)`` uses.
    public static let shared = DeadlineWatch(tick: .milliseconds(50))

    /// How often the watch looks for expired deadlines while any is pending.
    public let tick: Duration

    private struct Pending {
        let deadline: ContinuousClock.Instant
        let expire: @Sendable () -> Void
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var nextID: UInt64 = 0
        var watching = false
    }

    private let state = Mutex(State())

    public init(tick: Duration) {
        self.tick = tick
    }

    /// Calls `expire` once `limit` has passed, unless ``remove(_:)`` was called first with
    /// the returned key. `expire` runs on the watch's task: it must not block.
    public func add(expiringAfter limit: Duration, _ expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now.advanced(by: limit)
        let (key, start) = state.withLock { state in
            let key = state.nextID
            state.nextID &+= 1
            state.pending[key] = Pending(deadline: deadline, expire: expire)
            let start = !state.watching
            state.watching = true
            return (key, start)
        }
        if start {
            Task.detached { await self.watch() }
        }
        return key
    }

    /// The deadline of `key` no longer matters (its operation finished); it never fires.
    public func remove(_ key: UInt64) {
        _ = state.withLock { $0.pending.removeValue(forKey: key) }
    }

    /// Whether the watch's task runs: while a deadline is pending, and up to a tick after.
    public var isWatching: Bool { state.withLock { $0.watching } }

    /// Deadlines pending.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    private func watch() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let expired: [Pending]? = state.withLock { state in
                if state.pending.isEmpty {
                    state.watching = false
                    return nil
                }
                let due = state.pending.filter { $0.value.deadline <= now }
                for key in due.keys { state.pending.removeValue(forKey: key) }
                return Array(due.values)
            }
            guard let expired else { return }
            for pending in expired { pending.expire() }
        }
    }
}
