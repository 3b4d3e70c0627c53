import NIOConcurrencyHelpers

/// Hands a consumer's deliveries to its workers in batches, so that deliveries with the
/// same ordering key (a conversation) are handled one at a time and in delivery order,
/// while any number of other keys are handled in parallel.
///
/// A free worker takes everything that is waiting (up to a maximum) whose key no other
/// worker holds, in delivery order, **at most one delivery per key**, and holds those keys
/// until it calls ``finish(_:returning:)``. A key held elsewhere, or already in the batch,
/// is skipped together with every later delivery of it. One per key means a batch never
/// holds two messages of one conversation, so whatever a handler does when one message of
/// a batch fails (retry the rest one by one, carry on), the conversation's next message
/// cannot be committed before it. A delivery that is to be tried again goes back to the
/// front of the line (``finish(_:returning:)``), ahead of its key's later ones. So batches
/// adapt to the load: one delivery at once when idle (no added latency), and, as soon as
/// the workers fall behind, large batches that a handler commits in one transaction. (Fixed
/// lanes per key hash would split the backlog into as many thin queues as there are lanes
/// and keep batches small exactly when they are needed.) With a ``BatchLinger``, a free
/// worker that finds only a few deliveries while more are streaming in waits a few
/// milliseconds for them first, so batches form before a backlog does.
final class KeyedBatchScheduler<Element: Sendable>: Sendable {
    /// Deliveries taken by one worker, and the keys it holds until ``finish(_:returning:)``.
    struct Batch: Sendable {
        var elements: [Element]
        /// Each element's key, in the same order.
        fileprivate var elementKeys: [String?]
        fileprivate var keys: Set<String> { Set(elementKeys.compactMap { $0 }) }
    }

    private struct Pending {
        var element: Element
        var key: String?
        /// When it was pushed (nil when lingering is off, and for a delivery that goes round again).
        var arrival: ContinuousClock.Instant?
    }

    private struct State {
        var pending: [Pending] = []
        var heldKeys: Set<String> = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
        var arrivals: ArrivalRate
        /// Keys whose delivery went back to the broker while shutting down (``finish(_:returning:abandoning:)``).
        var abandonedKeys: Set<String> = []
    }

    /// What ``nextBatch(max:)`` does next.
    private enum Step {
        case take(Batch)
        case linger(until: ContinuousClock.Instant)
        case wait
        case done
    }

    private let linger: BatchLinger
    private let state: NIOLockedValueBox<State>

    /// - Parameter linger: how long a free worker may wait for more deliveries (off: never).
    init(linger: BatchLinger = .off) {
        self.linger = linger
        state = NIOLockedValueBox(State(arrivals: ArrivalRate(window: linger.rateWindow)))
    }

    /// Adds a delivery; `key` nil means it may run in parallel with anything. A delivery of
    /// an abandoned key is dropped, unhandled (``finish(_:returning:abandoning:)``).
    /// - Returns: false when it was dropped.
    @discardableResult
    func push(_ element: Element, key: String?) -> Bool {
        let arrival = linger.isOff ? nil : ContinuousClock.now
        let (taken, waiter) = state.withLockedValue { state -> (Bool, CheckedContinuation<Void, Never>?) in
            if let key, state.abandonedKeys.contains(key) { return (false, nil) }
            state.pending.append(Pending(element: element, key: key, arrival: arrival))
            if let arrival { state.arrivals.record(at: arrival) }
            return (true, state.waiters.popLast())
        }
        waiter?.resume()
        return taken
    }

    /// No more deliveries will come: workers get nil once everything waiting was handled.
    func close() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The next batch (1…`max` deliveries, in delivery order), or nil once closed and drained.
    /// With a ``BatchLinger`` it may first wait for more deliveries (never once closed or
    /// cancelled: shutting down, what waits is handled at once).
    func nextBatch(max: Int) async -> Batch? {
        while true {
            let lingering = !linger.isOff && !Task.isCancelled
            let now = lingering ? ContinuousClock.now : nil
            let step = state.withLockedValue { state -> Step in
                if let now, !state.closed,
                    let until = linger.deadline(
                        oldestArrival: state.pending.first?.arrival, waiting: state.pending.count, maximum: max,
                        arrivalsPerSecond: state.arrivals.perSecond(at: now), now: now)
                {
                    return .linger(until: until)
                }
                if let batch = Self.take(from: &state, max: max) { return .take(batch) }
                return state.closed && state.pending.isEmpty ? .done : .wait
            }
            switch step {
            case .take(let batch):
                return batch
            case .done:
                return nil
            case .linger(let until):
                // In slices, so that a batch that fills meanwhile is taken within a quarter
                // of the window rather than at its end.
                try? await Task.sleep(until: Swift.min(until, ContinuousClock.now + linger.slice), clock: .continuous)
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLockedValue { state -> Bool in
                        if state.closed && state.pending.isEmpty { return true }
                        if Self.hasTakeable(state) { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// The worker handled `batch`: its keys are free again, and any worker waiting for one
    /// of them is woken. The elements at `returning` (indices into the batch) are to be
    /// tried again: they go back to the front of the line, in their order, so each comes
    /// before every later delivery of its key.
    ///
    /// The elements at `abandoning` went back to the broker unhandled (shutting down): their
    /// keys are abandoned for good. Every later delivery of those keys still waiting here is
    /// taken out unhandled (and returned, for the caller to give back after it), and one
    /// pushed later is dropped: none may be committed before the one given back, which the
    /// broker will hand out again.
    /// - Returns: the waiting deliveries taken out, in their order.
    @discardableResult
    func finish(_ batch: Batch, returning: [Int] = [], abandoning: [Int] = []) -> [Element] {
        var dropped: [Element] = []
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.heldKeys.subtract(batch.keys)
            let abandoned = Set(abandoning.compactMap { batch.elementKeys.indices.contains($0) ? batch.elementKeys[$0] : nil })
            if !abandoned.isEmpty {
                state.abandonedKeys.formUnion(abandoned)
                dropped = state.pending.filter { $0.key.map(abandoned.contains) ?? false }.map(\.element)
                state.pending.removeAll { $0.key.map(abandoned.contains) ?? false }
            }
            if !returning.isEmpty {
                let again = returning.sorted().map { Pending(element: batch.elements[$0], key: batch.elementKeys[$0], arrival: nil) }
                state.pending.insert(contentsOf: again, at: 0)
            }
            guard !state.pending.isEmpty || state.closed else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        return dropped
    }

    /// Whether ``close()`` was called (the consumer is shutting down).
    var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// How many deliveries wait for a worker (for tests and metrics).
    var waitingCount: Int { state.withLockedValue { $0.pending.count } }

    private static func hasTakeable(_ state: State) -> Bool {
        state.pending.contains { $0.key.map { !state.heldKeys.contains($0) } ?? true }
    }

    private static func take(from state: inout State, max: Int) -> Batch? {
        guard !state.pending.isEmpty else { return nil }
        var taken: [Element] = []
        var takenElementKeys: [String?] = []
        var takenKeys: Set<String> = []
        var skippedKeys: Set<String> = []
        var kept: [Pending] = []
        kept.reserveCapacity(state.pending.count)
        for item in state.pending {
            guard taken.count < max else {
                kept.append(item)
                continue
            }
            if let key = item.key {
                if skippedKeys.contains(key) || state.heldKeys.contains(key) || takenKeys.contains(key) {
                    skippedKeys.insert(key)
                    kept.append(item)
                    continue
                }
                takenKeys.insert(key)
            }
            taken.append(item.element)
            takenElementKeys.append(item.key)
        }
        guard !taken.isEmpty else { return nil }
        state.pending = kept
        state.heldKeys.formUnion(takenKeys)
        return Batch(elements: taken, elementKeys: takenElementKeys)
    }
}
