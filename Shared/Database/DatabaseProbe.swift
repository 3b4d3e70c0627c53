public import Logging
import NIOConcurrencyHelpers
public import PostgresNIO

/// Whether PostgreSQL answers, within a deadline, whatever the database does.
///
/// The `SELECT 1` runs in a task of its own and the caller waits for it at most
/// `timeout`: a pool that waits for a connection during an outage (or a query that never
/// completes) makes the probe say "unreachable" on time instead of hanging the caller, so
/// `/health/ready` answers within a second and a consumer decides in time that a failure is
/// an outage. At most one probe query is in flight; callers that come while it runs share
/// its answer, and one that did not answer in time is dropped, so a query hung on a dead
/// connection cannot make every later probe say "unreachable".
public final class DatabaseProbe: Sendable {
    private struct State {
        var query: Task<Void, Never>?
        /// Which query is current: a dropped one that ends late answers nobody.
        var generation = 0
        var queryStarted = ContinuousClock.now
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    }

    private let client: PostgresClient
    private let logger: Logger
    private let timeout: Duration
    private let state = NIOLockedValueBox(State())

    public init(client: PostgresClient, logger: Logger, timeout: Duration = .seconds(1)) {
        self.client = client
        self.logger = logger
        self.timeout = timeout
    }

    /// True when `SELECT 1` completed within the timeout.
    ///
    /// The query task answers every caller waiting when it ends; each caller's own timer
    /// answers it `false` at its deadline (and lives no longer than that), and drops a
    /// query older than the timeout, so the next probe starts a fresh one and a query that
    /// hangs on a dead connection cannot keep every later probe "unreachable".
    public func isReachable() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = state.withLockedValue { state -> Int in
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = continuation
                if state.query == nil {
                    state.queryStarted = .now
                    state.generation += 1
                    let generation = state.generation
                    state.query = Task { [client, logger, weak self] in
                        var reachable = false
                        do {
                            let rows = try await client.query("SELECT 1", logger: logger)
                            for try await _ in rows {}
                            reachable = true
                        } catch {}
                        self?.finishQuery(generation: generation, reachable: reachable)
                    }
                }
                return id
            }
            Task { [timeout, weak self] in
                try? await Task.sleep(for: timeout)
                self?.expire(waiter: id)
            }
        }
    }

    private func finishQuery(generation: Int, reachable: Bool) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Bool, Never>] in
            guard state.generation == generation, state.query != nil else { return [] }
            state.query = nil
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reachable) }
    }

    private func expire(waiter id: Int) {
        let (waiter, stale) = state.withLockedValue { state -> (CheckedContinuation<Bool, Never>?, Task<Void, Never>?) in
            let waiter = state.waiters.removeValue(forKey: id)
            var stale: Task<Void, Never>?
            if let query = state.query, ContinuousClock.now - state.queryStarted >= timeout {
                stale = query
                state.query = nil
            }
            return (waiter, stale)
        }
        waiter?.resume(returning: false)
        stale?.cancel()
    }
}
