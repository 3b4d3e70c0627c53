import Foundation
import Logging
import PostgresNIO

/// Consent per (customer number, organisation number) and the history of the keywords
/// that set it.
protocol ConsentStore: Sendable {
    /// The stored state of the pair, locked for update, or nil when it never had one.
    func lock(number: String, orgNumber: String, on connection: PostgresConnection, logger: Logger) async throws -> (state: ConsentState, at: Date)?
    func set(number: String, orgNumber: String, state: ConsentState, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func record(_ entry: ConsentView.Entry, number: String, messageID: String, on connection: PostgresConnection, logger: Logger) async throws
    func consent(of number: String, client: PostgresClient, logger: Logger) async throws -> ConsentView
}

/// `GET /v1/consent/{e164}` (docs/architecture.md section 3).
struct ConsentView: Encodable, Sendable, Equatable {
    struct Entry: Encodable, Sendable, Equatable {
        var orgNumber: String
        var keyword: String
        var action: ConsentAction
        var at: Date
    }

    var number: String
    /// Opted out when opted out of at least one organisation number.
    var state: ConsentState
    var byOrgNumber: [String: ConsentState]
    /// Oldest first.
    var history: [Entry]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(state, forKey: .state)
        // Dictionary keys (organisation numbers) are written as they are.
        try container.encode(byOrgNumber, forKey: .byOrgNumber)
        try container.encode(history, forKey: .history)
    }

    enum CodingKeys: String, CodingKey { case number, state, byOrgNumber, history }
}

struct PostgresConsentStore: ConsentStore {
    let schema: String

    func lock(number: String, orgNumber: String, on connection: PostgresConnection, logger: Logger) async throws -> (state: ConsentState, at: Date)? {
        let rows = try await connection.query("""
            SELECT state, changed_at FROM \(unescaped: schema).consent
            WHERE number = \(number) AND org_number = \(orgNumber) FOR UPDATE
            """, logger: logger)
        for try await (state, at) in rows.decode((String, Date).self) {
            guard let value = ConsentState(rawValue: state) else { throw CorruptContactRow(detail: "consent state \(state)") }
            return (value, at)
        }
        return nil
    }

    func set(number: String, orgNumber: String, state: ConsentState, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).consent (number, org_number, state, changed_at)
            VALUES (\(number), \(orgNumber), \(state.rawValue), \(at))
            ON CONFLICT (number, org_number) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
            WHERE consent.changed_at <= excluded.changed_at
            """, logger: logger)
    }

    func record(_ entry: ConsentView.Entry, number: String, messageID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: schema).consent_history (number, org_number, keyword, action, at, message_id)
            VALUES (\(number), \(entry.orgNumber), \(entry.keyword), \(entry.action.rawValue), \(entry.at), \(messageID))
            """, logger: logger)
    }

    func consent(of number: String, client: PostgresClient, logger: Logger) async throws -> ConsentView {
        var byOrg: [String: ConsentState] = [:]
        let states = try await client.query("""
            SELECT org_number, state FROM \(unescaped: schema).consent WHERE number = \(number)
            """, logger: logger)
        for try await (org, state) in states.decode((String, String).self) {
            if let value = ConsentState(rawValue: state) { byOrg[org] = value }
        }
        var history: [ConsentView.Entry] = []
        let entries = try await client.query("""
            SELECT org_number, keyword, action, at FROM \(unescaped: schema).consent_history
            WHERE number = \(number) ORDER BY at, id
            """, logger: logger)
        for try await (org, keyword, action, at) in entries.decode((String, String, String, Date).self) {
            guard let value = ConsentAction(rawValue: action) else { continue }
            history.append(.init(orgNumber: org, keyword: keyword, action: value, at: at))
        }
        return ConsentView(number: number, state: ConsentRules.overall(byOrg), byOrgNumber: byOrg, history: history)
    }
}
