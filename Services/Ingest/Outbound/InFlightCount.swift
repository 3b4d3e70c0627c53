import Synchronization

/// How many messages the sender has in flight, shared by its tasks.
final class InFlightCount: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func add(_ delta: Int) {
        count.withLock { $0 += delta }
    }
}
