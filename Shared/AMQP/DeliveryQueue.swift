import NIOConcurrencyHelpers

/// A lane's queue of deliveries that hands them out in batches: everything waiting (up
/// to a maximum) at once under load, a single delivery without delay when idle. Batches
/// let a handler commit many messages in one transaction.
final class DeliveryQueue: Sendable {
    private struct State {
        var buffer: [AMQPDelivery] = []
        var head = 0
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    func push(_ delivery: AMQPDelivery) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.buffer.append(delivery)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func finish() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The next batch (1…`max` deliveries, in order), or nil once finished and drained.
    func nextBatch(max: Int) async -> [AMQPDelivery]? {
        while true {
            let (batch, done) = state.withLockedValue { state -> ([AMQPDelivery], Bool) in
                let available = state.buffer.count - state.head
                guard available > 0 else { return ([], state.finished) }
                let end = state.head + min(available, max)
                let batch = Array(state.buffer[state.head..<end])
                state.head = end
                if state.head == state.buffer.count {
                    state.buffer.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return (batch, false)
            }
            if !batch.isEmpty { return batch }
            if done { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.buffer.count > state.head || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
