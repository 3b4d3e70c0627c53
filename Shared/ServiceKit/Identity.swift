/// The authenticated caller of an HTTP request.
public struct Identity: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case agent, supervisor, admin, system
    }

    public let agentID: String
    public let name: String?
    public let roles: Set<Role>
    public let permissions: Set<String>

    public init(agentID: String, name: String?, roles: Set<Role>, permissions: Set<String>) {
        self.agentID = agentID
        self.name = name
        self.roles = roles
        self.permissions = permissions
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
