public import Logging
public import PostgresNIO

/// Writes outgoing messages into `<schema>.outbox` inside the caller's transaction and
/// wakes the relay with `NOTIFY` (delivered only when that transaction commits).
public struct Outbox: Sendable {
    public let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// The `LISTEN` channel the relay waits on.
    public var notifyChannel: String { "\(schema)_outbox" }

    public func enqueue(_ messages: [OutboxMessage], on connection: PostgresConnection, logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        for message in messages {
            try await connection.query("""
                INSERT INTO \(unescaped: schema).outbox
                    (message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body)
                VALUES (\(message.messageID), \(message.exchange), \(message.routingKey), \(message.type),
                        \(message.contentType), \(message.correlationID), \(message.traceparent), \(message.mandatory),
                        \(message.body))
                """, logger: logger)
        }
        try await connection.query("SELECT pg_notify(\(notifyChannel), '')", logger: logger)
    }
}
