import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The batch path of inbound SMS: a fixed number of statements for any number of messages
/// (``InboundBatchHandler``). Arrays are bound whole and unnested in the database.
extension PostgresInteractionStore {
    /// The open Session-mode interactions of `conversations`, locked (`FOR UPDATE`, in id
    /// order), in one query (``OpenSessionsBatchStatement``).
    func openSessionIDs(
        _ conversations: [InboundBatchPlacement.Conversation], on connection: PostgresConnection, logger: Logger
    ) async throws -> [InboundBatchPlacement.Conversation: UUID] {
        guard !conversations.isEmpty else { return [:] }
        let statement = OpenSessionsBatchStatement(organisations: conversations.map(\.organisation), customers: conversations.map(\.customer))
        var open: [InboundBatchPlacement.Conversation: UUID] = [:]
        for try await (id, organisation, customer) in try await connection.execute(statement, logger: logger) {
            open[.init(organisation: organisation, customer: customer)] = id
        }
        return open
    }

    /// Creates interactions in one statement.
    func create(_ interactions: [NewInteraction], on connection: PostgresConnection, logger: Logger) async throws {
        guard !interactions.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                 inactivity_timeout_seconds, timeout_at, created_at, last_activity_at)
            SELECT id, 'queued', mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                   inactivity_timeout_seconds,
                   CASE WHEN mode = 'session' THEN created_at + make_interval(secs => inactivity_timeout_seconds) END,
                   created_at, created_at
            FROM unnest(
                \(interactions.map(\.id))::uuid[], \(interactions.map(\.settings.mode.rawValue))::text[],
                \(interactions.map(\.media))::text[], \(interactions.map(\.channel))::text[], \(interactions.map(\.from))::text[],
                \(interactions.map(\.to))::text[], \(interactions.map(\.settings.queue))::text[], \(interactions.map(\.origin))::text[],
                \(interactions.map(\.settings.dispositionRequired))::bool[],
                \(interactions.map(\.settings.inactivityTimeoutSeconds))::int[], \(interactions.map(\.createdAt))::timestamptz[]
            ) AS batch (id, mode, media, channel, from_number, to_number, queue, origin, disposition_required,
                        inactivity_timeout_seconds, created_at)
            """, logger: logger)
    }

    /// One statement (``AppendInboundBatchStatement``): the same result as appending the
    /// entries one by one; returns each entry's sequence number by message id.
    func appendInbound(_ entries: [InboundEntry], on connection: PostgresConnection, logger: Logger) async throws -> [String: Int] {
        guard !entries.isEmpty else { return [:] }
        let encoder = SwitchboardJSON.encoder()
        let entities = try entries.map { String(decoding: try encoder.encode($0.entities), as: UTF8.self) }
        let statement = AppendInboundBatchStatement(
            interactionIDs: entries.map(\.interactionID), customers: entries.map(\.customer), texts: entries.map(\.text), entities: entities,
            messageIDs: entries.map(\.messageID), ingestSequences: entries.map(\.ingestSequence), at: entries.map(\.at))
        var sequences: [String: Int] = [:]
        for try await (messageID, seq) in try await connection.execute(statement, logger: logger) { sequences[messageID] = seq }
        for entry in entries where sequences[entry.messageID] == nil {
            throw InteractionMissing(id: entry.interactionID)
        }
        return sequences
    }
}
