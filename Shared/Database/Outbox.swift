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

    /// The most messages one `INSERT` carries (9 parameters each, far below PostgreSQL's
    /// 65,535-parameter limit).
    public static let rowsPerStatement = 500

    /// Inserts the messages in their order (their `id`s, which the relay publishes by, follow
    /// it) and notifies the relay, in one statement per ``rowsPerStatement`` messages: every
    /// round trip saved is CPU saved on both sides at high rates.
    public func enqueue(_ messages: [OutboxMessage], on connection: PostgresConnection, logger: Logger) async throws {
        var start = messages.startIndex
        while start < messages.endIndex {
            let end = min(start + Self.rowsPerStatement, messages.endIndex)
            try await connection.query(try statement(for: messages[start..<end]), logger: logger)
            start = end
        }
    }

    /// `WITH enqueued AS (INSERT … VALUES (…), (…) RETURNING 1) SELECT pg_notify(…)`: a
    /// data-modifying `WITH` runs whether or not the main query reads it.
    func statement(for messages: ArraySlice<OutboxMessage>) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: messages.count * 9 + 1)
        var rows: [String] = []
        rows.reserveCapacity(messages.count)
        for message in messages {
            let first = binds.count + 1
            binds.append(message.messageID)
            binds.append(message.exchange)
            binds.append(message.routingKey)
            binds.append(message.type)
            binds.append(message.contentType)
            binds.append(message.correlationID)
            binds.append(message.traceparent)
            binds.append(message.mandatory)
            try binds.append(message.body)
            rows.append("(" + (first..<(first + 9)).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        binds.append(notifyChannel)
        let insert = """
            WITH enqueued AS (
                INSERT INTO \(schema).outbox
                    (message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body)
                VALUES \(rows.joined(separator: ", "))
                RETURNING 1
            )

            """
        return PostgresQuery(unsafeSQL: insert + "SELECT pg_notify($\(binds.count), '')", binds: binds)
    }
}
