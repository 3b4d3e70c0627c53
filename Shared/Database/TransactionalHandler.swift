public import Logging
public import PostgresNIO
public import SwitchboardAMQP

/// The consume side of DESIGN.md section 5 in one place: for a delivery, open a
/// transaction, record its message id in the inbox (a duplicate commits nothing), run the
/// effect (which writes its events to the outbox), commit, and only then ack.
///
/// A ``PermanentMessageError`` dead-letters the message with its reason; any other error
/// rolls back and requeues it (the queue's delivery limit ends a loop).
public struct TransactionalHandler: Sendable {
    public let client: PostgresClient
    public let inbox: Inbox
    public let consumer: String
    public let logger: Logger

    public init(client: PostgresClient, inbox: Inbox, consumer: String, logger: Logger) {
        self.client = client
        self.inbox = inbox
        self.consumer = consumer
        self.logger = logger
    }

    public func handle(
        _ delivery: AMQPDelivery,
        effect: @Sendable (PostgresConnection) async throws -> Void
    ) async -> AMQPHandlingResult {
        guard let messageID = delivery.properties.messageID, !messageID.isEmpty else {
            return .deadLetter(reason: "message has no message_id property (required: it is the dedup key)")
        }
        do {
            try await client.withTransaction(logger: logger) { connection in
                guard try await inbox.claim(messageID: messageID, consumer: consumer, on: connection, logger: logger) else {
                    logger.debug("duplicate delivery ignored", metadata: ["message_id": "\(messageID)"])
                    return
                }
                try await effect(connection)
            }
            return .ack
        } catch {
            let cause = Self.unwrap(error)
            if let permanent = cause as? any PermanentMessageError {
                return .deadLetter(reason: permanent.description)
            }
            return .retry(reason: String(reflecting: cause))
        }
    }

    /// postgres-nio wraps a closure's error in `PostgresTransactionError`.
    public static func unwrap(_ error: any Error) -> any Error {
        if let transactionError = error as? PostgresTransactionError, let closureError = transactionError.closureError {
            return closureError
        }
        return error
    }
}
