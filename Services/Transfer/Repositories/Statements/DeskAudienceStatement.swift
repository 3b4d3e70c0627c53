import Foundation
import PostgresNIO

/// Who may see an interaction's changes now (``DeskFeedWriter/audience(of:on:logger:)``):
/// read for every transcript entry (but an inbound message's, ``InboundPreviewsStatement``)
/// and every interaction event transfer follows, so it is
/// a named prepared statement, planned once per connection instead of on every call (it
/// was transfer's largest planning cost, 0.15 ms per call against 0.02 ms of execution;
/// docs/benchmark.md, "sixth pass"). Static SQL: transfer's tables always live in the
/// `transfer` schema (its migrations name it), as session's statements do.
struct DeskAudienceStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT owner_id FROM transfer.interactions WHERE id = $1 AND owner_id IS NOT NULL AND state <> 'closed'
        UNION SELECT agent_id FROM transfer.offers WHERE interaction_id = $1 AND state = 'pending'
        UNION SELECT agent_id FROM transfer.consultations WHERE interaction_id = $1 AND open
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid]
    typealias Row = String

    var interaction: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(interaction)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String {
        try row.decode(String.self)
    }
}
