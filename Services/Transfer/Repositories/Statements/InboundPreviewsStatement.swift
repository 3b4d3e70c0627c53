import Foundation
import PostgresNIO

/// Inbound messages' preview changes in one statement: sets each interaction's preview text
/// to its last message's unless it is closed (the update's row locks conflict with the
/// `FOR UPDATE` of ``LockInteractionStatement`` that answers and routing decisions take), and
/// returns each interaction changed with who may see its changes — the agents of its
/// pending offers and of its open consultations (its owner is in the row).
///
/// One statement for a batch's run of inbound messages, where transfer sent one per message
/// (14,000 of about 45,000 statements for 14,000 SMS at 700/s, the most frequent of all;
/// docs/benchmark.md, "eleventh pass"); that one statement had itself replaced six per
/// message (the pending offer read twice, the lock, the update, the desk audience's read;
/// "seventh pass").
///
/// Run only under the routing lock (``TransferCommands/inboundMessagesAppended(_:on:)``),
/// taken in an earlier statement: no offer is created, answered or expired meanwhile, so the
/// offers this statement's snapshot sees are the ones there are.
struct InboundPreviewsStatement: PostgresPreparedStatement {
    static let sql = """
        WITH batch AS (
            SELECT DISTINCT ON (batch_id) batch_id, batch_text
            FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS messages (batch_id, batch_text, position)
            ORDER BY batch_id, position DESC
        )
        UPDATE transfer.interactions AS i SET preview_text = batch.batch_text FROM batch
        WHERE i.id = batch.batch_id AND i.state <> 'closed'
        RETURNING \(PostgresTransferStore.interactionColumns),
            ARRAY(SELECT agent_id FROM transfer.offers WHERE interaction_id = i.id AND state = 'pending') AS offered_agents,
            ARRAY(SELECT agent_id FROM transfer.consultations WHERE interaction_id = i.id AND open) AS consulted_agents
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .textArray]
    typealias Row = InboundPreviewChange

    /// The interactions, in the messages' order (one may come more than once: its last
    /// message's text is its preview).
    var interactions: [UUID]
    /// Each message's text, in the same order.
    var texts: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(interactions)
        bindings.append(texts)
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
