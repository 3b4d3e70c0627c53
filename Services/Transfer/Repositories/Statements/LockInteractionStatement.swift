import Foundation
import PostgresNIO

/// An interaction's projection, locked (`FOR UPDATE`): taken for most changes of an
/// interaction (an inbound message's preview has ``InboundPreviewsStatement``), so it is a
/// named prepared statement (see ``DeskAudienceStatement``).
struct LockInteractionStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT \(PostgresTransferStore.interactionColumns) FROM transfer.interactions WHERE id = $1 FOR UPDATE
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid]
    typealias Row = InteractionProjection

    var interaction: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(interaction)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> InteractionProjection {
        try PostgresTransferStore.interaction(from: row)
    }
}
