import Foundation
import PostgresNIO

/// An interaction's pending offer, read (not locked) for every preview change of an
/// offered interaction, and by every contact change: a named prepared statement (see
/// ``DeskAudienceStatement``).
struct PendingOfferStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT \(PostgresTransferStore.offerColumns) FROM transfer.offers
        WHERE interaction_id = $1 AND state = 'pending'
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid]
    typealias Row = OfferRecord

    var interaction: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(interaction)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> OfferRecord {
        try PostgresTransferStore.offer(from: row)
    }
}
