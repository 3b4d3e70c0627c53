import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Consent per customer number and organisation number, with its history, in the `contacts`
/// schema. Changes run on the caller's connection inside the caller's transaction.
struct PostgresConsentStore {
    let schema: String

    /// The stored state of the pair, locked for update, or nil when it never had one.
    func lock(number: String, orgNumber: String, on connection: PostgresConnection, logger: Logger) async throws -> (state: ConsentState, at: Date)? {
        let rows = try await connection.query(
            """
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
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).consent (number, org_number, state, changed_at)
            VALUES (\(number), \(orgNumber), \(state.rawValue), \(at))
            ON CONFLICT (number, org_number) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
            WHERE consent.changed_at <= excluded.changed_at
            """, logger: logger)
    }

    func record(_ entry: ConsentView.Entry, number: String, messageID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).consent_history (number, org_number, keyword, action, at, message_id)
            VALUES (\(number), \(entry.orgNumber), \(entry.keyword), \(entry.action.rawValue), \(entry.at), \(messageID))
            """, logger: logger)
    }

    func consent(of number: String, client: PostgresClient, logger: Logger) async throws -> ConsentView {
        var byOrg: [String: ConsentState] = [:]
        let states = try await client.rows(
            """
            SELECT org_number, state FROM \(unescaped: schema).consent WHERE number = \(number)
            """, logger: logger)
        for try await (org, state) in states.decode((String, String).self) {
            if let value = ConsentState(rawValue: state) { byOrg[org] = value }
        }
        var history: [ConsentView.Entry] = []
        let entries = try await client.rows(
            """
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
