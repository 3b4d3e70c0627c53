import SwitchboardServiceKit

/// Who may use the contacts API (issue #5):
/// - agents, supervisors and admins read and write contacts, their history, merges and
///   consent;
/// - `system` tokens (CRMs, connectors) may also create and search contacts, and read
///   consent;
/// - a manual contact assignment is allowed to the interaction's owner (per the
///   projection of `interaction.assigned`) or a supervisor or admin; another agent gets
///   403 `not_owner`.
enum ContactAccess {
    static let readWrite: [Identity.Role] = [.agent, .supervisor, .admin]
    static let createAndSearch: [Identity.Role] = [.agent, .supervisor, .admin, .system]
    static let consent: [Identity.Role] = [.agent, .supervisor, .admin, .system]

    static func mayAssign(_ identity: Identity, ownerID: String?) -> Bool {
        if identity.canReadEverything { return true }
        return identity.has(.agent) && ownerID != nil && ownerID == identity.agentID
    }

    static func require(_ identity: Identity, _ roles: [Identity.Role]) throws(APIError) {
        guard !identity.roles.isDisjoint(with: roles) else {
            throw .forbidden("This operation needs the role \(roles.map(\.rawValue).joined(separator: " or ")).")
        }
    }
}
