public import Logging
public import PostgresNIO
public import SwitchboardDatabase

/// Runs a request's work in one transaction of the service's schema (which wakes the
/// outbox relay when it commits) and gives back the error the work threw, not
/// PostgresNIO's wrapper around it: a service's ``ProblemError`` answers its own
/// problem+json.
///
/// `mapError` lets a service name database errors it expects: contacts turns a unique
/// violation on `phones` (two requests racing for one number) into the same 409 as the
/// check that runs first. It returns nil for errors it does not know.
public struct ServiceTransactions: Sendable {
    public let client: PostgresClient
    public let outbox: Outbox
    public let logger: Logger
    public let mapError: @Sendable (any Error) -> (any Error)?

    public init(
        client: PostgresClient, outbox: Outbox, logger: Logger, mapError: @escaping @Sendable (any Error) -> (any Error)? = { _ in nil }
    ) {
        self.client = client
        self.outbox = outbox
        self.logger = logger
        self.mapError = mapError
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await outbox.transaction(on: client, logger: logger, body)
        } catch {
            let cause = TransactionalHandler.unwrap(error)
            throw mapError(cause) ?? cause
        }
    }
}
