import NIOConcurrencyHelpers
import ServiceLifecycle

/// Opens once start-up work (migrations) is done; consumers, relays, timers and readiness
/// wait on it.
///
/// A wait also ends when the service shuts down (SIGTERM) or the waiting task is
/// cancelled, so a service told to stop while PostgreSQL is still unreachable at start
/// exits at once instead of hanging in the gate until its shutdown deadline. Waiters
/// check ``isOpen`` (or `Task.isShuttingDownGracefully`) afterwards and return early.
public final class StartupGate: Sendable {
    private struct State {
        var isOpen = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits released (shutdown, cancellation) before their continuation was stored.
        var released: Set<Int> = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public var isOpen: Bool { state.withLockedValue { $0.isOpen } }

    public func open() {
        let waiters = state.withLockedValue { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open, the service shuts down gracefully, or the task is
    /// cancelled; true only in the first case.
    @discardableResult
    public func wait() async -> Bool {
        let id = state.withLockedValue { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    // Read outside the gate's lock: ServiceLifecycle runs its shutdown handlers
                    // (``release(_:)``, which takes the gate's lock) under its own lock, which
                    // `isShuttingDownGracefully` takes; asking under the gate's lock could
                    // deadlock with a SIGTERM. A shutdown in between is seen by `released`.
                    let stopping = Task.isCancelled || Task.isShuttingDownGracefully
                    let resumeNow = state.withLockedValue { state -> Bool in
                        if state.isOpen || stopping || state.released.remove(id) != nil { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.release(id)
            }
        } onGracefulShutdown: {
            self.release(id)
        }
        return isOpen
    }

    private func release(_ id: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                // Not stored yet: the wait resumes as soon as it would store it.
                state.released.insert(id)
                return nil
            }
            return waiter
        }
        waiter?.resume()
    }
}
