import Foundation
import PostgresNIO

/// An inbound message's preview change in one statement: sets the interaction's preview
/// text unless it is closed (the update's row lock conflicts with the `FOR UPDATE` of
/// ``LockInteractionStatement`` that answers and routing decisions take), and
/// returns the interaction with who may see its changes — the agents of its pending offers
/// and of its open consultations (its owner is in the row). It replaces four statements
/// per inbound message (the pending offer read twice, the lock, the update) and the desk
/// audience's read (``DeskAudienceStatement``): transfer ran six statements for every
/// appended event (docs/benchmark.md, "seventh pass").
///
/// Run only under the routing lock (``TransferCommands/inboundMessageAppended(_:text:transcript:on:)``),
/// taken in an earlier statement: no offer is created, answered or expired meanwhile, so the
/// offers this statement's snapshot sees are the ones there are.
struct InboundPreviewStatement: PostgresPreparedStatement {
    static let sql = """
        UPDATE transfer.interactions SET preview_text = $1 WHERE id = $2 AND state <> 'closed'
        RETURNING \(PostgresTransferStore.interactionColumns),
            ARRAY(SELECT agent_id FROM transfer.offers WHERE interaction_id = $2 AND state = 'pending') AS offered_agents,
            ARRAY(SELECT agent_id FROM transfer.consultations WHERE interaction_id = $2 AND open) AS consulted_agents
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid]
    typealias Row = InboundPreviewChange

    var interaction: UUID
    var text: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(text)
        bindings.append(interaction)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> InboundPreviewChange {
        let columns = row.makeRandomAccess()
        return InboundPreviewChange(
            interaction: try PostgresTransferStore.interaction(from: row),
            offeredAgents: try columns["offered_agents"].decode([String].self),
            consultedAgents: try columns["consulted_agents"].decode([String].self))
    }
}
