public import Logging
public import PostgresNIO

extension PostgresClient {
    /// How long a read through ``rows(_:logger:limit:)`` may take, connection lease included.
    public static let readDeadline: Duration = .seconds(10)

    /// Runs `query` on a pooled connection and reads all its rows within `limit`.
    ///
    /// Every read outside a transaction goes through here rather than `query`: a pool or a
    /// connection can hang after a database restart (issue #19), and a request or a consumer
    /// waiting on it would never answer, nor let its service stop in time. Past the deadline
    /// the caller gets ``DeadlineExceeded`` (a 504 on the HTTP side); a cancelled caller
    /// gets `CancellationError` at once (``Deadline``).
    @discardableResult
    public func rows(_ query: PostgresQuery, logger: Logger, limit: Duration = PostgresClient.readDeadline) async throws -> FetchedRows {
        let description = String(query.sql.prefix(60))
        return try await Deadline.run(limit, "the query \(description)") {
            var rows: [PostgresRow] = []
            for try await row in try await self.query(query, logger: logger) { rows.append(row) }
            return FetchedRows(rows)
        }
    }
}
