public import Foundation

/// The authenticated caller of an HTTP request.
public struct Identity: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case agent, supervisor, admin, system
    }

    public let agentID: String
    public let name: String?
    public let roles: Set<Role>
    public let permissions: Set<String>
    /// When the token stops being valid: a long-lived response (the live stream) ends then,
    /// so a stream never outlives the credential that opened it. Nil when not known.
    public let expiresAt: Date?

    public init(agentID: String, name: String?, roles: Set<Role>, permissions: Set<String>, expiresAt: Date? = nil) {
        self.agentID = agentID
        self.name = name
        self.roles = roles
        self.permissions = permissions
        self.expiresAt = expiresAt
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// Supervisors and admins may read every interaction.
    public var canReadEverything: Bool { has(.supervisor) || has(.admin) }

    /// Throws 403 unless the caller has one of `roles`.
    public func require(anyOf roles: Role...) throws(APIError) {
        guard !self.roles.isDisjoint(with: roles) else {
            throw .forbidden("This operation needs the role \(roles.map(\.rawValue).joined(separator: " or ")).")
        }
    }
}
