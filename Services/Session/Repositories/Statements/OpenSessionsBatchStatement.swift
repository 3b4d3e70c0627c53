import Foundation
import PostgresNIO

/// The open Session-mode interactions of a batch's conversations, locked (`FOR UPDATE`, in
/// id order), in one query: run for every inbound batch, so it is a named prepared
/// statement (see ``OpenSessionStatement``; docs/benchmark.md, "sixth pass").
struct OpenSessionsBatchStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT i.id, i.to_number, i.from_number FROM session.interactions i
        JOIN unnest($1::text[], $2::text[]) AS batch (to_number, from_number)
            ON i.to_number = batch.to_number AND i.from_number = batch.from_number
        WHERE i.mode = 'session' AND i.state <> 'closed'
        ORDER BY i.id
        FOR UPDATE OF i
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray]
    typealias Row = (UUID, String, String)

    var organisations: [String]
    var customers: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(organisations)
        bindings.append(customers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
