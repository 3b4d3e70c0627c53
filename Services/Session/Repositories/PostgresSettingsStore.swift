import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Each organisation number's settings (mode, queue, timeout) and the consent session keeps to
/// refuse replies to opted-out customers, in the `session` schema.
struct PostgresSettingsStore {
    let schema: String

    /// Read for every inbound SMS: a prepared statement (``NumberSettingsStatement``).
    func settings(for number: String, on connection: PostgresConnection, logger: Logger) async throws -> NumberSettings? {
        for try await (mode, queue, timeout, required) in try await connection.execute(NumberSettingsStatement(number: number), logger: logger) {
            return NumberSettings(
                mode: InteractionMode(rawValue: mode) ?? .session, queue: queue, inactivityTimeoutSeconds: timeout, dispositionRequired: required)
        }
        return nil
    }

    func settings(for number: String, client: PostgresClient, logger: Logger) async throws -> NumberSettings? {
        try await decode(client.rows(select(number), logger: logger))
    }

    private func select(_ number: String) -> PostgresQuery {
        """
        SELECT mode, queue, inactivity_timeout_seconds, disposition_required
        FROM \(unescaped: schema).number_settings WHERE number = \(number)
        """
    }

    private func decode(_ rows: FetchedRows) async throws -> NumberSettings? {
        for try await (mode, queue, timeout, required) in rows.decode((String, String, Int, Bool).self) {
            return NumberSettings(
                mode: InteractionMode(rawValue: mode) ?? .session, queue: queue, inactivityTimeoutSeconds: timeout, dispositionRequired: required)
        }
        return nil
    }

    func save(_ settings: NumberSettings, for number: String, client: PostgresClient, logger: Logger) async throws {
        try await client.rows(
            """
            INSERT INTO \(unescaped: schema).number_settings (number, mode, queue, inactivity_timeout_seconds, disposition_required, updated_at)
            VALUES (\(number), \(settings.mode.rawValue), \(settings.queue), \(settings.inactivityTimeoutSeconds), \(settings.dispositionRequired), now())
            ON CONFLICT (number) DO UPDATE SET mode = excluded.mode, queue = excluded.queue,
                inactivity_timeout_seconds = excluded.inactivity_timeout_seconds,
                disposition_required = excluded.disposition_required, updated_at = now()
            """, logger: logger)
    }

    func isOptedOut(organisation: String, customer: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT opted_out FROM \(unescaped: schema).consent WHERE org_number = \(organisation) AND customer_number = \(customer)
            """, logger: logger)
        for try await value in rows.decode(Bool.self) { return value }
        return false
    }

    /// Applies a consent change unless a newer one was already applied.
    func recordConsent(
        organisation: String, customer: String, optedOut: Bool, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).consent (org_number, customer_number, opted_out, changed_at)
            VALUES (\(organisation), \(customer), \(optedOut), \(at))
            ON CONFLICT (org_number, customer_number) DO UPDATE SET opted_out = excluded.opted_out, changed_at = excluded.changed_at
            WHERE consent.changed_at <= excluded.changed_at
            """, logger: logger)
    }
}
