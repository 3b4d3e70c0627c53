/// Why an AMQP operation failed. Every case names what went wrong in words an operator can act on.
public enum AMQPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broker could not be reached or refused the login.
    case connectionFailed(String)
    /// The connection dropped while the operation was in flight; its outcome is unknown
    /// (a publish may or may not have reached the broker), so callers retry idempotently.
    case connectionLost(String)
    /// The broker closed the channel (for example: the exchange does not exist).
    case channelClosed(code: UInt16, reason: String)
    /// The broker returned a `mandatory` message because no queue was bound for it.
    case unroutable(code: UInt16, reason: String)
    /// The broker refused responsibility for the message (`basic.nack`).
    case nacked
    /// No confirm came within ``AMQPConfiguration/confirmTimeout``: the outcome is unknown
    /// (the message may still be delivered), so callers retry idempotently.
    case confirmTimedOut
    /// The connection is shutting down and takes no new work.
    case shuttingDown
    /// A declaration or other synchronous request failed.
    case operationFailed(String)

    public var description: String {
        switch self {
        case .connectionFailed(let reason): "AMQP connection failed: \(reason)"
        case .connectionLost(let reason): "AMQP connection lost: \(reason)"
        case .channelClosed(let code, let reason): "AMQP channel closed by broker (\(code)): \(reason)"
        case .unroutable(let code, let reason): "message returned as unroutable (\(code)): \(reason)"
        case .nacked: "broker nacked the message"
        case .confirmTimedOut: "no publisher confirm from the broker in time"
        case .shuttingDown: "AMQP connection is shutting down"
        case .operationFailed(let reason): "AMQP operation failed: \(reason)"
        }
    }
}
