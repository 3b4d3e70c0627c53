import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// A canned reply agents insert by searching or by its shortcut keyword.
struct StandardResponse: Codable, Sendable, Equatable {
    var id: String
    var name: String
    @ExplicitNull var shortcut: String?
    var text: String
    var usageCount: Int
    var createdAt: Date
    var updatedAt: Date
}

/// Standard responses in the `session` schema.
struct StandardResponseStore: Sendable {
    let schema: String

    /// Search by words (all must appear in name or text) or by exact shortcut.
    func search(words: String?, shortcut: String?, limit: Int, client: PostgresClient, logger: Logger) async throws -> [StandardResponse] {
        let terms = (words ?? "").lowercased().split(separator: " ").map {
            "%" + String($0).replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        let rows = try await client.rows(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).standard_responses
            WHERE (\(shortcut)::text IS NULL OR lower(shortcut) = lower(\(shortcut)))
              AND NOT EXISTS (SELECT 1 FROM unnest(\(terms)::text[]) AS term
                              WHERE lower(name || ' ' || text || ' ' || coalesce(shortcut, '')) NOT LIKE term)
            ORDER BY usage_count DESC, name LIMIT \(limit)
            """, logger: logger)
        return try await decode(rows)
    }

    func find(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> StandardResponse? {
        try await decode(
            client.rows(
                "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).standard_responses WHERE id = \(id)", logger: logger
            )
        ).first
    }

    func create(name: String, shortcut: String?, text: String, client: PostgresClient, logger: Logger) async throws -> StandardResponse {
        let id = UUID()
        let rows = try await client.rows(
            """
            INSERT INTO \(unescaped: schema).standard_responses (id, name, shortcut, text) VALUES (\(id), \(name), \(shortcut), \(text))
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let created = try await decode(rows).first else { throw StandardResponseMissing() }
        return created
    }

    func update(_ id: UUID, name: String, shortcut: String?, text: String, client: PostgresClient, logger: Logger) async throws -> StandardResponse? {
        try await decode(
            client.rows(
                """
                UPDATE \(unescaped: schema).standard_responses SET name = \(name), shortcut = \(shortcut), text = \(text), updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                """, logger: logger)
        ).first
    }

    func delete(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.rows(
            "DELETE FROM \(unescaped: schema).standard_responses WHERE id = \(id) RETURNING id", logger: logger
        )
        for try await _ in rows { return true }
        return false
    }

    /// Counts a use (a reply sent with it).
    func recordUse(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE \(unescaped: schema).standard_responses SET usage_count = usage_count + 1 WHERE id = \(id) RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    private static let columns = "id, name, shortcut, text, usage_count, created_at, updated_at"

    private func decode(_ rows: FetchedRows) async throws -> [StandardResponse] {
        var result: [StandardResponse] = []
        for try await (id, name, shortcut, text, usage, created, updated) in rows.decode((UUID, String, String?, String, Int, Date, Date).self) {
            result.append(
                StandardResponse(
                    id: id.uuidString.lowercased(), name: name, shortcut: shortcut, text: text, usageCount: usage, createdAt: created,
                    updatedAt: updated
                ))
        }
        return result
    }
}

struct StandardResponseMissing: Error {}
