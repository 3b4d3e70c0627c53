/// The publishes of one `publish` call awaiting their broker confirms.
///
/// Created by the caller, then touched only on the connection thread (hence
/// `@unchecked Sendable`): the continuation resumes once every message has an outcome.
final class ConfirmBatch: @unchecked Sendable {
    private var results: [AMQPError?]
    private var remaining: Int
    private let continuation: CheckedContinuation<[AMQPError?], Never>

    init(count: Int, continuation: CheckedContinuation<[AMQPError?], Never>) {
        self.results = Array(repeating: nil, count: count)
        self.remaining = count
        self.continuation = continuation
        if count == 0 { continuation.resume(returning: []) }
    }

    func complete(index: Int, error: AMQPError?) {
        guard remaining > 0 else { return }
        results[index] = error
        remaining -= 1
        if remaining == 0 { continuation.resume(returning: results) }
    }
}

/// One message waiting to be published or awaiting its confirm.
struct PendingPublish {
    let message: AMQPMessage
    let batch: ConfirmBatch
    let index: Int
    /// When it went to the broker (set when published).
    var sentAt: ContinuousClock.Instant?
    /// When the caller handed it over (it may wait for a connection before it is sent).
    let queuedAt: ContinuousClock.Instant

    init(
        message: AMQPMessage, batch: ConfirmBatch, index: Int, sentAt: ContinuousClock.Instant? = nil,
        queuedAt: ContinuousClock.Instant = .now
    ) {
        self.message = message
        self.batch = batch
        self.index = index
        self.sentAt = sentAt
        self.queuedAt = queuedAt
    }
}
