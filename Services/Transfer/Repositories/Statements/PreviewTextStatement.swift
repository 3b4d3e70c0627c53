import Foundation
import PostgresNIO

/// Sets what an interaction's offers preview: written for every inbound message, so it is
/// a named prepared statement (see ``DeskAudienceStatement``).
struct PreviewTextStatement: PostgresPreparedStatement {
    static let sql = "UPDATE transfer.interactions SET preview_text = $1 WHERE id = $2"
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    typealias Row = ()

    var interaction: UUID
    var text: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(text)
        bindings.append(interaction)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}
