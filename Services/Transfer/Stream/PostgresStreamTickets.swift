import Crypto
import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardServiceKit

/// Stream tickets in the `transfer` schema. Only a SHA-256 of each ticket is stored, so the
/// table never holds a usable credential; redeeming deletes the row, so a ticket opens one
/// stream, on whichever replica, once.
struct PostgresStreamTickets: Sendable {
    let schema: String
    /// How long a ticket may wait to be used (60 s, docs/architecture.md section 10.2).
    var lifetime: Duration = .seconds(60)

    /// Issues a ticket for `identity`. It never outlives the token it was issued for.
    func issue(for identity: Identity, client: PostgresClient, logger: Logger) async throws -> StreamTicket {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        let ticket = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let now = Date()
        let tokenExpiry = identity.expiresAt ?? now.addingTimeInterval(Double(lifetime.components.seconds))
        let expiresAt = min(now.addingTimeInterval(Double(lifetime.components.seconds)), tokenExpiry)
        let roles = identity.roles.map(\.rawValue).sorted()
        let perms = identity.permissions.sorted()
        _ = try await client.rows(
            """
            INSERT INTO \(unescaped: schema).stream_tickets (ticket_hash, agent_id, agent_name, roles, perms, token_expires_at, expires_at)
            VALUES (\(Self.hash(ticket)), \(identity.agentID), \(identity.name), \(roles), \(perms), \(tokenExpiry), \(expiresAt))
            """, logger: logger)
        return StreamTicket(ticket: ticket, expiresAt: expiresAt)
    }

    /// The identity a ticket was issued for, once; nil for an unknown, used or expired one.
    func redeem(_ ticket: String, client: PostgresClient, logger: Logger) async throws -> Identity? {
        let rows = try await client.rows(
            """
            DELETE FROM \(unescaped: schema).stream_tickets WHERE ticket_hash = \(Self.hash(ticket))
            RETURNING agent_id, agent_name, roles, perms, token_expires_at, expires_at > now()
            """, logger: logger)
        for try await (agentID, name, roles, perms, tokenExpiry, valid) in rows.decode((String, String?, [String], [String], Date, Bool).self) {
            guard valid else { return nil }
            return Identity(
                agentID: agentID, name: name, roles: Set(roles.compactMap(Identity.Role.init(rawValue:))), permissions: Set(perms),
                expiresAt: tokenExpiry)
        }
        return nil
    }

    /// Removes tickets that expired unused.
    func purgeExpired(client: PostgresClient, logger: Logger) async throws {
        _ = try await client.rows("DELETE FROM \(unescaped: schema).stream_tickets WHERE expires_at < now()", logger: logger)
    }

    static func hash(_ ticket: String) -> String {
        SHA256.hash(data: Data(ticket.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
