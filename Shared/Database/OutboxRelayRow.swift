/// An unsent outbox row as the relay selected it: what to publish, and what it needs to
/// settle it (its id, for the delete; its attempts so far, for ``OutboxRetryPolicy``).
public struct OutboxRelayRow: Sendable, Equatable {
    public let id: Int64
    public let attempts: Int
    public let message: OutboxMessage

    /// The conversation whose order the row keeps (`nil`: none).
    public var correlationID: String? { message.correlationID }

    public init(id: Int64, attempts: Int, message: OutboxMessage) {
        self.id = id
        self.attempts = attempts
        self.message = message
    }
}
