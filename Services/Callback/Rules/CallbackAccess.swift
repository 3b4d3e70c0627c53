import SwitchboardServiceKit

/// Who may see and change a callback (issue #6, docs/architecture.md section 3):
///
/// - supervisors and admins see and change every callback;
/// - an agent sees the callbacks it scheduled, those targeted at it, and those targeted at
///   a queue (a queue callback is shared work: whoever in the queue picks it up needs to
///   find it, and queue membership lives in `transfer`, not here);
/// - only the scheduling agent, the target agent, the agent who accepted its offer when it
///   fell due (a queue callback's agent is neither of the others, and section 10.3 has it
///   record the outcome), or a supervisor/admin may change one (reschedule, edit, cancel,
///   complete); an agent who may see it but is none of these gets 403 `forbidden`, which in
///   practice means another agent looking at a queue callback;
/// - a callback an agent may not see answers 404, so its existence is not revealed.
///
/// Any agent may schedule a callback, for itself, another agent or a queue; one linked to
/// an interaction only by an agent who owns or owned it, or a supervisor or admin (others
/// get 404, as for an interaction that does not exist).
/// The routes only let `agent`, `supervisor` and `admin` tokens in: a `system` token is 403.
struct CallbackAccess: Sendable {
    enum Decision: Equatable, Sendable {
        case allowed
        case notVisible
        case forbidden
    }

    func read(_ identity: Identity, scheduledBy: String, target: CallbackTarget) -> Decision {
        if identity.canReadEverything { return .allowed }
        guard identity.has(.agent) else { return .notVisible }
        if scheduledBy == identity.agentID || isTargetAgent(identity, target) || target.type == .queue { return .allowed }
        return .notVisible
    }

    func change(_ identity: Identity, scheduledBy: String, target: CallbackTarget, acceptedBy: String? = nil) -> Decision {
        let visibility = read(identity, scheduledBy: scheduledBy, target: target)
        guard visibility == .allowed else { return visibility }
        if identity.canReadEverything { return .allowed }
        if let acceptedBy, acceptedBy == identity.agentID { return .allowed }
        return scheduledBy == identity.agentID || isTargetAgent(identity, target) ? .allowed : .forbidden
    }

    func schedule(_ identity: Identity) -> Decision {
        identity.has(.agent) || identity.canReadEverything ? .allowed : .forbidden
    }

    /// Whether the caller may link a callback to an interaction it owns or owned
    /// (`isParticipant`, from ``InteractionParticipants``).
    func link(_ identity: Identity, isParticipant: Bool) -> Decision {
        if identity.canReadEverything { return .allowed }
        return identity.has(.agent) && isParticipant ? .allowed : .notVisible
    }

    private func isTargetAgent(_ identity: Identity, _ target: CallbackTarget) -> Bool {
        target.type == .agent && target.id == identity.agentID
    }
}
