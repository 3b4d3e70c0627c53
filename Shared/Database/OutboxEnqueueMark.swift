import Synchronization

/// Whether a transaction run through ``Outbox/transaction(on:logger:_:)`` enqueued any
/// message, so that only such a transaction wakes the outbox relay after its commit.
final class OutboxEnqueueMark: Sendable {
    private let enqueued = Atomic<Bool>(false)

    var isSet: Bool { enqueued.load(ordering: .acquiring) }

    func set() {
        enqueued.store(true, ordering: .releasing)
    }
}
