import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardServiceKit

/// Runs an agent operation in one transaction and turns its refusals into problem+json.
struct SessionTransactions: Sendable {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let logger: Logger

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await outbox.transaction(on: client, logger: logger) { connection in try await body(connection) }
        } catch {
            switch TransactionalHandler.unwrap(error) {
            case let refusal as SessionError: throw refusal.apiError
            case let apiError as APIError: throw apiError
            case let other: throw other
            }
        }
    }
}
