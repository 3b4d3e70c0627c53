import Foundation
import PostgresNIO

/// A number's settings, read for every inbound SMS: a named prepared statement (see
/// ``OpenSessionStatement``).
struct NumberSettingsStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT mode, queue, inactivity_timeout_seconds, disposition_required
        FROM session.number_settings WHERE number = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    typealias Row = (String, String, Int, Bool)

    var number: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(number)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
