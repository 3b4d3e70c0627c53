/// What a consumer's handler decided about a delivery.
public enum AMQPHandlingResult: Sendable, Equatable {
    /// The effect is committed (or the message was a duplicate): ack it.
    case ack
    /// A transient failure (database unreachable…): requeue; the queue's delivery limit
    /// dead-letters it if it keeps failing.
    case retry(reason: String)
    /// The message can never be processed (malformed, breaks the contract): it is
    /// republished to `switchboard.dead` with header `x-switchboard-error` and acked.
    case deadLetter(reason: String)
}
