import NIOConcurrencyHelpers

/// Runs an operation with a deadline that holds whatever the operation does.
///
/// The deadline is kept by ``DeadlineWatch/shared`` and fires at most its tick (50 ms)
/// late.
///
/// Pools and connections can hang after a database restart under load (a class of bug
/// seen in many drivers: r2dbc-pool#138, momoko#147, r2dbc-postgresql#595); a structured
/// timeout (a task group racing a sleep) would still wait for a child that ignores
/// cancellation. Here the operation runs in a task of its own; at the deadline the caller
/// gets ``DeadlineExceeded`` at once and the task is cancelled (and, if it ignores that,
/// left to finish on its own). A caller that is cancelled gets `CancellationError` at once
/// in the same way: a service stopping during a database outage must not wait for a query
/// the frozen link will never answer (ServiceLifecycle gives cancellation one second). A caller that retries must therefore be idempotent: every
/// writer here is (the inbox makes a redelivery a no-op; the outbox relay's rows are
/// deleted only once confirmed).
public enum Deadline {
    public static func run<T: Sendable>(
        _ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = FirstOutcome<T>()
        let work = Task {
            do { outcome.give(.success(try await operation())) } catch { outcome.give(.failure(error)) }
        }
        // One watch for the whole process rather than a timer task per run (a sleep and a
        // cancellation: thread wake-ups on every transaction; see `DeadlineWatch`).
        let watched = DeadlineWatch.shared.add(expiringAfter: limit) {
            outcome.give(.failure(DeadlineExceeded(what: what, limit: limit)))
            work.cancel()
        }
        defer { DeadlineWatch.shared.remove(watched) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.install(continuation)
            }
        } onCancel: {
            outcome.give(.failure(CancellationError()))
            work.cancel()
        }
    }
}

/// An operation did not finish within its deadline; its outcome is unknown.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public let limit: Duration
    public var description: String { "\(what) did not finish within \(limit)" }
}

/// Resumes a continuation with the first outcome given; later ones are dropped.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var resumed = false
    }

    private let state = NIOLockedValueBox(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let ready = state.withLockedValue { state -> Result<T, any Error>? in
            if let outcome = state.outcome, !state.resumed {
                state.resumed = true
                return outcome
            }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func give(_ outcome: Result<T, any Error>) {
        let continuation = state.withLockedValue { state -> CheckedContinuation<T, any Error>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            guard let continuation = state.continuation else { return nil }
            state.resumed = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: outcome)
    }
}
