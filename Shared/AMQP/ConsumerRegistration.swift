/// A consumer the connection keeps attached across reconnects. Thread-confined to the
/// connection thread after hand-off.
final class ConsumerRegistration: @unchecked Sendable {
    let queue: String
    let prefetch: UInt16
    let tag: String
    let continuation: AsyncStream<AMQPDelivery>.Continuation
    /// The channel it is attached on, while attached.
    var channel: UInt16?
    var cancelled = false

    init(queue: String, prefetch: UInt16, tag: String, continuation: AsyncStream<AMQPDelivery>.Continuation) {
        self.queue = queue
        self.prefetch = prefetch
        self.tag = tag
        self.continuation = continuation
    }
}

/// Work handed from async callers to the connection thread.
enum WorkerCommand: @unchecked Sendable {
    case publish([AMQPMessage], ConfirmBatch)
    /// Acks these deliveries of one channel (coalesced: ``UnsettledDeliveries``).
    case ack(channel: UInt16, generation: UInt64, tags: [UInt64])
    case reject(channel: UInt16, generation: UInt64, tag: UInt64, requeue: Bool)
    case consume(ConsumerRegistration)
    case cancelConsumers(CheckedContinuation<Void, Never>)
    /// Cancels one consumer (by tag); the others of the connection keep consuming.
    case cancelConsumer(tag: String, CheckedContinuation<Void, Never>)
    /// A topology change or question while connected (``AMQPManagementOperation``).
    case manage(AMQPManagementOperation, CheckedContinuation<Result<UInt32?, AMQPError>, Never>)
}
