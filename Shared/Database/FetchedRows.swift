public import PostgresNIO

/// The rows of a query read to the end, as an async sequence of `PostgresRow` so that
/// postgres-nio's `decode` works on it as on a live row sequence.
///
/// What ``PostgresClient/rows(_:logger:limit:)`` returns: the rows are read inside the
/// query's deadline, so that a frozen link fails the read instead of stalling the caller.
public struct FetchedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow

    public let rows: [PostgresRow]

    public init(_ rows: [PostgresRow]) {
        self.rows = rows
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(rows: rows)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var rows: [PostgresRow]
        var index = 0

        public mutating func next() async throws -> PostgresRow? {
            guard index < rows.count else { return nil }
            defer { index += 1 }
            return rows[index]
        }
    }
}
