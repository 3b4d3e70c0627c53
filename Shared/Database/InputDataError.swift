import PostgresNIO

/// A database error that the input caused: PostgreSQL's class 22, "data exception"
/// (a NUL in text, 22021; a number out of range, 22003; an invalid datetime, 22008; bad
/// JSON text, 22P02…). The same input fails the same way on every retry, so it is the
/// input's fault — 422 over HTTP, a dead letter with this reason over AMQP — never a
/// transient failure to retry or a 500.
public struct InputDataError: PermanentMessageError, Equatable {
    /// The SQLSTATE, e.g. `22021`.
    public let sqlState: String
    /// PostgreSQL's message, which names the problem but never echoes the value.
    public let message: String

    public var description: String { "the database refused a value of the message (SQLSTATE \(sqlState): \(message))" }

    /// The input error inside `error` (unwrapping a transaction's closure error), if it is one.
    public init?(_ error: any Error) {
        guard let database = TransactionalHandler.unwrap(error) as? PSQLError,
            let state = database.serverInfo?[.sqlState], state.hasPrefix("22")
        else { return nil }
        self.sqlState = state
        self.message = database.serverInfo?[.message] ?? "data exception"
    }
}
