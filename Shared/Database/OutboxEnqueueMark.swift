import Synchronization

/// The relays a transaction run through ``Outbox/transaction(on:logger:_:)`` has rows for:
/// the signals of the outboxes it enqueued on, woken once it committed, and only those.
final class OutboxEnqueueMark: Sendable {
    private let marked = Mutex<[OutboxSignal]>([])

    /// Each marked signal once, in the order first marked.
    var signals: [OutboxSignal] { marked.withLock { $0 } }

    func mark(_ signal: OutboxSignal) {
        marked.withLock { signals in
            if !signals.contains(where: { $0 === signal }) { signals.append(signal) }
        }
    }
}
