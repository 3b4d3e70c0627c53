import Foundation
import PostgresNIO

/// The settings of each of a batch's numbers that has its own, in one query: run for every
/// inbound batch, so it is a named prepared statement (see ``OpenSessionStatement``).
struct NumberSettingsBatchStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT number, mode, queue, inactivity_timeout_seconds, disposition_required
        FROM session.number_settings WHERE number = ANY($1)
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray]
    typealias Row = (String, String, String, Int, Bool)

    var numbers: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(numbers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
