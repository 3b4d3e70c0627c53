import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardServiceKit

/// Runs an operation in one transaction and turns its refusals into problem+json. A unique
/// violation on `phones` or `emails` (two requests racing for one number or address) is the
/// same 409 as the check that runs first.
struct ContactTransactions: Sendable {
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let logger: Logger

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await outbox.transaction(on: client, logger: logger) { connection in try await body(connection) }
        } catch {
            switch TransactionalHandler.unwrap(error) {
            case let refusal as ContactError: throw refusal.apiError
            case let apiError as APIError: throw apiError
            case let database as PSQLError where database.serverInfo?[.sqlState] == "23505":
                let constraint = database.serverInfo?[.constraintName] ?? ""
                if constraint.hasPrefix("phones") {
                    throw APIError(status: .conflict, code: "phone_taken", title: "Phone number taken",
                                   detail: "A phone number of the request belongs to another contact.")
                }
                if constraint.hasPrefix("emails") {
                    throw APIError(status: .conflict, code: "email_taken", title: "Email address taken",
                                   detail: "An email address of the request belongs to another contact.")
                }
                throw database
            case let other: throw other
            }
        }
    }
}
