import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// ``InteractionStore`` in the `session` schema.
struct PostgresInteractionStore: InteractionStore {
    let schema: String

    func openSessionID(organisation: String, customer: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("""
            SELECT id FROM \(unescaped: schema).interactions
            WHERE to_number = \(organisation) AND from_number = \(customer) AND mode = 'session' AND state <> 'closed'
            FOR UPDATE
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    func create(_ interaction: NewInteraction, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).interactions
                (id, state, mode, media, from_number, to_number, queue, origin, created_at, last_activity_at)
            VALUES (\(interaction.id), 'queued', \(interaction.mode.rawValue), \(interaction.media), \(interaction.from),
                    \(interaction.to), \(interaction.queue), \(interaction.origin), \(interaction.createdAt), \(interaction.createdAt))
            """, logger: logger)
    }

    func append(_ entry: NewTranscriptEntry, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("""
            UPDATE \(unescaped: schema).interactions
            SET next_seq = next_seq + 1, last_activity_at = greatest(last_activity_at, \(entry.at))
            WHERE id = \(entry.interactionID)
            RETURNING next_seq - 1
            """, logger: logger)
        var sequence: Int?
        for try await value in rows.decode(Int.self) { sequence = value }
        guard let sequence else { throw InteractionMissing(id: entry.interactionID) }
        try await connection.query("""
            INSERT INTO \(unescaped: schema).transcript
                (interaction_id, seq, kind, direction, author_type, author_id, author_name, text, message_id, ingest_sequence, at)
            VALUES (\(entry.interactionID), \(sequence), \(entry.kind), \(entry.direction), \(entry.authorType), \(entry.authorID),
                    \(entry.authorName), \(entry.text), \(entry.messageID), \(entry.ingestSequence), \(entry.at))
            """, logger: logger)
        return sequence
    }

    func interaction(id: UUID, client: PostgresClient, logger: Logger) async throws -> InteractionView? {
        let rows = try await client.query("""
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).interactions WHERE id = \(id)
            """, logger: logger)
        var found: InteractionView?
        for try await row in rows { found = try Self.view(from: row) }
        guard var view = found else { return nil }

        let entries = try await client.query("""
            SELECT seq, kind, direction, author_type, author_id, author_name, text, at, media::text, parts::text
            FROM \(unescaped: schema).transcript WHERE interaction_id = \(id) ORDER BY seq
            """, logger: logger)
        var transcript: [TranscriptEntryView] = []
        let decoder = SwitchboardJSON.decoder()
        for try await (seq, kind, direction, authorType, authorID, authorName, text, at, media, parts)
            in entries.decode((Int, String, String?, String, String?, String?, String, Date, String, String).self)
        {
            transcript.append(TranscriptEntryView(
                seq: seq, kind: kind, direction: direction,
                author: AuthorView(type: authorType, id: authorID, name: authorName), text: text, at: at,
                media: (try? decoder.decode([String].self, from: Data(media.utf8))) ?? [],
                parts: (try? decoder.decode([TranscriptEntryView.PartView].self, from: Data(parts.utf8))) ?? []
            ))
        }
        view.transcript = transcript
        return view
    }

    func list(_ filter: InteractionFilter, client: PostgresClient, logger: Logger) async throws -> ListPage<InteractionView> {
        let cursorTime = filter.cursor.map { Date(timeIntervalSince1970: Double($0.createdAtMicroseconds) / 1_000_000) }
        let rows = try await client.query("""
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).interactions
            WHERE (\(filter.from)::text IS NULL OR from_number = \(filter.from))
              AND (\(filter.to)::text IS NULL OR to_number = \(filter.to))
              AND (\(filter.contactID)::text IS NULL OR contact_id = \(filter.contactID))
              AND (\(filter.ownerID)::text IS NULL OR owner_id = \(filter.ownerID))
              AND (\(filter.state)::text IS NULL OR state = \(filter.state)
                   OR (\(filter.state) = 'open' AND state <> 'closed'))
              AND (\(filter.createdAfter)::timestamptz IS NULL OR created_at >= \(filter.createdAfter))
              AND (\(filter.createdBefore)::timestamptz IS NULL OR created_at < \(filter.createdBefore))
              AND (\(cursorTime)::timestamptz IS NULL OR (date_trunc('microseconds', created_at), id) < (\(cursorTime), \(filter.cursor?.id)))
            ORDER BY created_at DESC, id DESC
            LIMIT \(filter.limit + 1)
            """, logger: logger)
        var items: [InteractionView] = []
        for try await row in rows { items.append(try Self.view(from: row)) }
        var next: String?
        if items.count > filter.limit {
            items.removeLast()
            if let last = items.last, let id = UUID(uuidString: last.id) {
                next = InteractionCursor(
                    createdAtMicroseconds: Int64((last.createdAt.timeIntervalSince1970 * 1_000_000).rounded()), id: id
                ).encoded
            }
        }
        return ListPage(items: items, next: next)
    }

    private static let columns = """
        id, state, mode, media, from_number, to_number, queue, origin, owner_id, owner_name, contact_id, contact_name,
        created_at, closed_at, close_reason, disposition, note, case_data::text AS case_data
        """

    private static func view(from row: PostgresRow) throws -> InteractionView {
        let columns = row.makeRandomAccess()
        let id = try columns["id"].decode(UUID.self)
        let createdAt = try columns["created_at"].decode(Date.self)
        let closedAt = try columns["closed_at"].decode(Date?.self)
        let ownerID = try columns["owner_id"].decode(String?.self)
        let contactID = try columns["contact_id"].decode(String?.self)
        let caseDataText = try columns["case_data"].decode(String.self)
        return InteractionView(
            id: id.uuidString.lowercased(),
            state: try columns["state"].decode(String.self),
            mode: try columns["mode"].decode(String.self),
            media: try columns["media"].decode(String.self),
            from: try columns["from_number"].decode(String.self),
            to: try columns["to_number"].decode(String.self),
            queue: try columns["queue"].decode(String.self),
            origin: try columns["origin"].decode(String.self),
            contact: contactID.map { PartyView(id: $0, name: try? columns["contact_name"].decode(String?.self)) },
            owner: ownerID.map { PartyView(id: $0, name: try? columns["owner_name"].decode(String?.self)) },
            createdAt: createdAt,
            closedAt: closedAt,
            closeReason: try columns["close_reason"].decode(String?.self),
            elapsedSeconds: max(0, Int((closedAt ?? Date()).timeIntervalSince(createdAt))),
            disposition: try columns["disposition"].decode(String?.self),
            note: try columns["note"].decode(String?.self),
            caseData: (try? JSONDecoder().decode([String: String].self, from: Data(caseDataText.utf8))) ?? [:],
            transcript: nil
        )
    }
}

/// The interaction an entry was appended to does not exist (a bug or a race with deletion).
struct InteractionMissing: Error, CustomStringConvertible {
    let id: UUID
    var description: String { "interaction \(id) does not exist" }
}
