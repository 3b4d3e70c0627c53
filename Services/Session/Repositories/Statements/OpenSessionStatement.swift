import Foundation
import PostgresNIO

/// The open Session-mode interaction between two numbers, locked (`FOR UPDATE`): looked up
/// for every inbound SMS, so it is a named prepared statement (planned once per
/// connection, not on every call). Static SQL: session's tables always live in the
/// `session` schema (its migrations name it).
struct OpenSessionStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT id FROM session.interactions
        WHERE to_number = $1 AND from_number = $2 AND mode = 'session' AND state <> 'closed'
        FOR UPDATE
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text]
    typealias Row = UUID

    var organisation: String
    var customer: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(organisation)
        bindings.append(customer)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID {
        try row.decode(UUID.self)
    }
}
