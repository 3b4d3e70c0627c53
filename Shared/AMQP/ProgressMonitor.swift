import NIOConcurrencyHelpers

/// Whether a component that holds work is getting it done: the watchdog behind readiness
/// (issue #19: "nothing may stall silently").
///
/// A component says when it takes work on (``hold(_:)``), when it lets go of it
/// (``release(_:)``: acked, given back, published), and when something completed
/// (``completed()``). It is **stalled** when it holds work and nothing completed for
/// `stallAfter`: a consumer sitting on prefetched deliveries it does not handle, a relay
/// whose batches keep failing, a `LISTEN` that stays down. `/health/ready` then answers 503
/// naming it, so an orchestrator stops sending it traffic and an operator sees which part
/// hangs, even for a hang nobody has found yet.
public final class ProgressMonitor: Sendable {
    public let name: String
    public let stallAfter: Duration

    private struct State {
        var held = 0
        var lastCompletion = ContinuousClock.now
    }

    private let state = NIOLockedValueBox(State())

    public init(name: String, stallAfter: Duration = .seconds(60)) {
        self.name = name
        self.stallAfter = stallAfter
    }

    /// Takes on `count` units of work; an idle component's clock starts now.
    public func hold(_ count: Int = 1) {
        state.withLockedValue { state in
            if state.held == 0 { state.lastCompletion = .now }
            state.held += count
        }
    }

    /// Lets go of `count` units (done, or handed back).
    public func release(_ count: Int = 1) {
        state.withLockedValue { state in state.held = max(0, state.held - count) }
    }

    /// Something completed: the component is moving.
    public func completed() {
        state.withLockedValue { $0.lastCompletion = .now }
    }

    /// Holds work and completed nothing for `stallAfter`.
    public var isStalled: Bool {
        state.withLockedValue { state in state.held > 0 && ContinuousClock.now - state.lastCompletion > stallAfter }
    }

    public var heldCount: Int { state.withLockedValue { $0.held } }
}

/// The monitors of one process, for readiness.
public final class ProgressRegistry: Sendable {
    private let monitors = NIOLockedValueBox<[ProgressMonitor]>([])

    public init() {}

    /// A new monitor, registered.
    public func monitor(_ name: String, stallAfter: Duration = .seconds(60)) -> ProgressMonitor {
        let monitor = ProgressMonitor(name: name, stallAfter: stallAfter)
        monitors.withLockedValue { $0.append(monitor) }
        return monitor
    }

    /// The names of the monitors that are stalled now.
    public var stalled: [String] { monitors.withLockedValue { $0 }.filter(\.isStalled).map(\.name) }
}
