public import Logging
public import PostgresNIO

/// Writes outgoing messages into `<schema>.outbox` inside the caller's transaction; the
/// process's relay publishes them once that transaction committed.
///
/// Transactions that write to the outbox run through ``transaction(on:logger:_:)``, which
/// wakes the relay of this process after the commit (``OutboxSignal``). Copies of one
/// `Outbox` share its signal.
public struct Outbox: Sendable {
    public let schema: String
    /// Wakes this process's relay after a commit.
    public let signal: OutboxSignal

    public init(schema: String, signal: OutboxSignal = OutboxSignal()) {
        self.schema = schema
        self.signal = signal
    }

    /// The `LISTEN` channel the relay also waits on, so that a writer outside this process
    /// (or an operator) can wake it with `NOTIFY <schema>_outbox`.
    public var notifyChannel: String { "\(schema)_outbox" }

    /// Runs `body` in one transaction and, once it committed, wakes the relay of every outbox
    /// it enqueued on: the way every transaction that may enqueue runs. (A rolled-back
    /// transaction, or one that enqueued nothing, wakes nobody.)
    ///
    /// The transaction has a deadline (``transactionDeadline``, 10 s): one that hangs (a pool
    /// that never hands out a connection after a database restart) fails as
    /// ``DeadlineExceeded`` and its caller retries, instead of stalling its consumer, timer
    /// or request for ever.
    public func transaction<Result: Sendable>(
        on client: PostgresClient, logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let enqueued = OutboxEnqueueMark()
        let result = try await Self.$currentMark.withValue(enqueued) {
            try await Deadline.run(Self.transactionDeadline, "a transaction in schema \(schema)") {
                try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        }
        // Only a transaction that wrote to the outbox wakes a relay: most of transfer's
        // and contacts' transactions write none, and each wake-up was a look for rows
        // (issue #17).
        for signal in enqueued.signals { signal.wake() }
        return result
    }

    /// The mark of the ``transaction(on:logger:_:)`` the current task runs in (child tasks
    /// inherit it), set by ``enqueue(_:on:logger:)``.
    @TaskLocal static var currentMark: OutboxEnqueueMark?

    /// How long any transaction through ``transaction(on:logger:_:)`` may take.
    public static let transactionDeadline: Duration = .seconds(10)

    /// The most messages one `INSERT` carries (9 parameters each, far below PostgreSQL's
    /// 65,535-parameter limit).
    public static let rowsPerStatement = 500

    /// Inserts the messages in their order (their `id`s, which the relay publishes by, follow
    /// it), in one statement per ``rowsPerStatement`` messages: every round trip saved is CPU
    /// saved on both sides at high rates. The caller's transaction wakes the relay when it
    /// commits (``transaction(on:logger:_:)``).
    public func enqueue(_ messages: [OutboxMessage], on connection: PostgresConnection, logger: Logger) async throws {
        guard !messages.isEmpty else { return }
        if let mark = Self.currentMark {
            mark.mark(signal)
        } else {
            // Outside `transaction(on:logger:_:)` (the rule is to go through it): its commit
            // is not seen, so wake the relay now; the safety tick stands behind.
            signal.wake()
        }
        var start = messages.startIndex
        while start < messages.endIndex {
            let end = min(start + Self.rowsPerStatement, messages.endIndex)
            try await connection.query(try statement(for: messages[start..<end]), logger: logger)
            start = end
        }
    }

    /// `INSERT … VALUES (…), (…)`.
    func statement(for messages: ArraySlice<OutboxMessage>) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: messages.count * 9)
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
        let insert = """
            INSERT INTO \(schema).outbox
                (message_id, exchange, routing_key, message_type, content_type, correlation_id, traceparent, mandatory, body)
            VALUES \(rows.joined(separator: ", "))
            """
        return PostgresQuery(unsafeSQL: insert, binds: binds)
    }
}
