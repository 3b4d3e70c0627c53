import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Reading transcript entries and interactions as the API shows them, and changing an
/// entry's delivery status: what `GET /v1/interactions/{id}` and session's events show.
extension PostgresInteractionStore {
    /// The transcript columns of an entry, as ``entry(from:decoder:)`` reads them.
    static let entryColumns = """
        seq, kind, direction, author_type, author_id, author_name, text, at, media::text AS media, parts::text AS parts,
        entities::text AS entities
        """

    static func entry(from columns: PostgresRandomAccessRow, decoder: JSONDecoder) throws -> TranscriptEntryView {
        TranscriptEntryView(
            seq: try columns["seq"].decode(Int.self),
            kind: try columns["kind"].decode(String.self),
            direction: try columns["direction"].decode(String?.self),
            author: AuthorView(
                type: try columns["author_type"].decode(String.self), id: try columns["author_id"].decode(String?.self),
                name: try columns["author_name"].decode(String?.self)
            ),
            text: try columns["text"].decode(String.self),
            at: try columns["at"].decode(Date.self),
            media: try decoder.decode([String].self, from: Data(try columns["media"].decode(String.self).utf8)),
            parts: try decoder.decode([TranscriptEntryView.PartView].self, from: Data(try columns["parts"].decode(String.self).utf8)),
            entities: try decoder.decode(TranscriptEntities.self, from: Data(try columns["entities"].decode(String.self).utf8))
        )
    }

    /// The interaction as the API shows it, without its transcript, read in the caller's
    /// transaction (so it includes the change being made): what the interaction events
    /// carry. Nil if there is no such interaction.
    func view(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionView? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.viewColumns) FROM \(unescaped: schema).interactions WHERE id = \(id)", logger: logger
        )
        for try await row in rows { return try Self.view(from: row) }
        return nil
    }

    /// Applies a delivery report to the outbound parts it names (``PartDeliveryUpdate``:
    /// the status, and the carrier's error code and text while the part is undelivered or
    /// failed). Returns the interaction and the entry as it now is when a part changed; nil,
    /// writing nothing, when the message is unknown or the report changes nothing (a
    /// repeated receipt, or one overtaken by a later status).
    func updatePartStatus(
        _ report: MessageStatus, on connection: PostgresConnection, logger: Logger
    ) async throws -> (interactionID: UUID, entry: TranscriptEntryView)? {
        let rows = try await connection.query(
            """
            SELECT interaction_id, \(unescaped: Self.entryColumns) FROM \(unescaped: schema).transcript
            WHERE message_id = \(report.messageId) FOR UPDATE
            """, logger: logger)
        let decoder = SwitchboardJSON.decoder()
        var found: (UUID, TranscriptEntryView)?
        for try await row in rows {
            let columns = row.makeRandomAccess()
            found = (try columns["interaction_id"].decode(UUID.self), try Self.entry(from: columns, decoder: decoder))
        }
        guard let (interactionID, current) = found else { return nil }
        var entry = current
        for index in entry.parts.indices where report.part == nil || report.part == index + 1 {
            entry.parts[index] = PartDeliveryUpdate.applying(report, to: entry.parts[index])
        }
        guard entry.parts != current.parts else { return nil }
        let json = String(decoding: try SwitchboardJSON.encoder().encode(entry.parts), as: UTF8.self)
        try await connection.query(
            """
            UPDATE \(unescaped: schema).transcript SET parts = \(json)::jsonb
            WHERE interaction_id = \(interactionID) AND seq = \(entry.seq)
            """, logger: logger)
        return (interactionID, entry)
    }
}
