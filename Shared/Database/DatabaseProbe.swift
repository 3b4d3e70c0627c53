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
    private let client: PostgresClient
    private let logger: Logger
    private let timeout: Duration
    private let inFlight = NIOLockedValueBox<Task<Bool, Never>?>(nil)

    public init(client: PostgresClient, logger: Logger, timeout: Duration = .seconds(1)) {
        self.client = client
        self.logger = logger
        self.timeout = timeout
    }

    /// True when `SELECT 1` completed within the timeout.
    public func isReachable() async -> Bool {
        let query = inFlight.withLockedValue { current -> Task<Bool, Never> in
            if let current { return current }
            let task = Task { [client, logger] () -> Bool in
                do {
                    let rows = try await client.query("SELECT 1", logger: logger)
                    for try await _ in rows {}
                    return true
                } catch {
                    return false
                }
            }
            current = task
            return task
        }
        let answer = FirstAnswer()
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            answer.install(continuation)
            Task { answer.give(await query.value) }
            Task { [timeout, inFlight] in
                try? await Task.sleep(for: timeout)
                answer.give(false)
                // A query that did not answer in time is not shared any more (it may hang
                // for good on a connection that died): the next probe starts a new one.
                let stale = inFlight.withLockedValue { current -> Task<Bool, Never>? in
                    guard current == query else { return nil }
                    current = nil
                    return query
                }
                stale?.cancel()
            }
        }
        // A finished query is not shared with later callers; one still running is.
        Task {
            _ = await query.value
            inFlight.withLockedValue { if $0 == query { $0 = nil } }
        }
        return result
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let state = NIOLockedValueBox<(CheckedContinuation<Bool, Never>?, Bool?)>((nil, nil))

    func install(_ continuation: CheckedContinuation<Bool, Never>) {
        let early = state.withLockedValue { state -> Bool? in
            if let given = state.1 { return given }
            state.0 = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func give(_ value: Bool) {
        let continuation = state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            guard state.1 == nil else { return nil }
            state.1 = value
            defer { state.0 = nil }
            return state.0
        }
        continuation?.resume(returning: value)
    }
}
