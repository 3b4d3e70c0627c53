import Foundation
import SwitchboardServiceKit

/// The rules of IM consultations (docs/architecture.md section 10.3), without I/O: what an
/// invitation and an internal message must hold, and who may read, post in and end a
/// consultation. Inviting is an owner's action (``AccessPolicy/act(_:ownerID:participants:consultants:)``);
/// the route only lets agents call it, so a supervisor cannot invite on an agent's behalf.
///
/// Refusals follow the interaction's: a caller with no right to see a consultation gets 404,
/// exactly like an unknown id; 403 only for a caller who may see it but not act (a
/// supervisor posting); 409 for one that ended.
struct ConsultationPolicy: Sendable {
    /// As an internal message's text is kept: the bound of a note.
    static let maxTextLength = 4000
    /// Agent ids are token subjects: the shape the directory gives them (transfer's ids).
    static let maxAgentIDLength = 64

    /// The agent to consult, checked before any I/O: present, an agent id's shape (1–64
    /// letters, digits, `-`, `_`, `.` or `@`), and not the caller. Each refusal names `agent_id`.
    func invitee(_ raw: String?, caller: Identity) throws(SessionError) -> String {
        guard let agentID = raw, !agentID.isEmpty else { throw .invalid("agent_id is required") }
        guard agentID.count <= Self.maxAgentIDLength, agentID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) })
        else {
            throw .invalid("agent_id must be 1-\(Self.maxAgentIDLength) letters, digits, -, _, . or @")
        }
        guard agentID != caller.agentID else { throw .invalid("agent_id is the caller: an agent cannot consult itself") }
        return agentID
    }

    /// An internal message's text, trimmed: not empty, at most ``maxTextLength`` characters.
    /// Each refusal names `text`.
    func text(_ raw: String?) throws(SessionError) -> String {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .invalid("text is required (an internal message cannot be empty)") }
        guard text.count <= Self.maxTextLength else { throw .invalid("text is longer than \(Self.maxTextLength) characters") }
        return text
    }

    /// `GET /v1/consultations/{id}`: its two agents, supervisors and admins.
    func mayRead(_ identity: Identity, _ consultation: ConsultationRecord) -> Bool {
        identity.canReadEverything || isParty(identity, consultation)
    }

    /// `GET /v1/interactions/{id}/consultations`: whoever may read the interaction (its owner,
    /// past owners, agents consulted on it now, supervisors, admins; `interaction`) and the
    /// agents of any of its consultations (`parties`), ended ones included.
    func mayList(_ identity: Identity, interaction: AccessPolicy.Decision, parties: Set<String>) -> Bool {
        interaction == .allowed || (identity.has(.agent) && parties.contains(identity.agentID))
    }

    /// `POST /v1/consultations/{id}/messages`: either of its agents, while it is open.
    func checkPost(_ identity: Identity, _ consultation: ConsultationRecord) throws(SessionError) {
        guard isParty(identity, consultation) else {
            throw identity.canReadEverything ? .notInConsultation : .consultationNotFound
        }
        guard consultation.state.takesMessages else { throw .consultationEnded }
    }

    /// `POST /v1/consultations/{id}/end`: either of its agents, a supervisor or an admin, once.
    func checkEnd(_ identity: Identity, _ consultation: ConsultationRecord) throws(SessionError) -> ConsultationState {
        guard mayRead(identity, consultation) else { throw .consultationNotFound }
        guard let next = consultation.state.ended() else { throw .consultationEnded }
        return next
    }

    private func isParty(_ identity: Identity, _ consultation: ConsultationRecord) -> Bool {
        identity.has(.agent) && consultation.parties.contains(identity.agentID)
    }
}
