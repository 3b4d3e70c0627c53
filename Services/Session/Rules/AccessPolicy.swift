import SwitchboardServiceKit

/// Who may see and act on an interaction (docs/architecture.md sections 1 and 3):
/// - supervisors and admins see every interaction; an agent sees the ones it owns or owned,
///   and one it is consulted on while that consultation is open (section 10.3); anything
///   else is 404 (its existence is not revealed);
/// - only the current owner replies, closes, invites, or sets disposition, note and case
///   data; a caller who may see it but does not own it (a supervisor, a past owner, a
///   consulted agent) gets 403 `not_owner`.
struct AccessPolicy: Sendable {
    enum Decision: Equatable, Sendable {
        case allowed
        case notVisible
        case notOwner
    }

    /// - Parameters:
    ///   - participants: every agent that owned the interaction.
    ///   - consultants: the agents of its open consultations: they read it like a
    ///     participant until the consultation ends, then no longer (unless they owned it).
    func read(_ identity: Identity, ownerID: String?, participants: Set<String>, consultants: Set<String> = []) -> Decision {
        if identity.canReadEverything { return .allowed }
        if identity.has(.agent),
            ownerID == identity.agentID || participants.contains(identity.agentID) || consultants.contains(identity.agentID)
        {
            return .allowed
        }
        return .notVisible
    }

    func act(_ identity: Identity, ownerID: String?, participants: Set<String>, consultants: Set<String> = []) -> Decision {
        let visibility = read(identity, ownerID: ownerID, participants: participants, consultants: consultants)
        guard visibility == .allowed else { return visibility }
        return ownerID == identity.agentID ? .allowed : .notOwner
    }
}
