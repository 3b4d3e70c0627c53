import Foundation
import HTTPTypes
import SwitchboardServiceKit

/// Why an agent's operation on an interaction was refused; each maps to one HTTP status
/// and a stable problem `code`.
enum SessionError: ProblemError, Equatable {
    case notFound
    case notOwner
    case closed
    case dispositionRequired
    case recipientOptedOut
    /// An agent opened an interaction with a customer while one between the two numbers is
    /// still open: its id, which ends the detail, or nil when the caller may not see it (or
    /// it closed again before it could be read).
    case interactionOpen(UUID?)
    case emptyReply
    case replyTooLong(parts: Int, max: Int)
    case unknownDisposition(String)
    case unknownStandardResponse
    case invalid(String)
    /// IM consultations (docs/architecture.md section 10.3): an unknown consultation, or one
    /// the caller may not see (404 like an unknown id).
    case consultationNotFound
    /// An open consultation with that agent already exists for the interaction.
    case consultationOpen
    /// The consultation ended: no message is posted in it, and it ends once.
    case consultationEnded
    /// A supervisor or admin (who sees the consultation) posting in it: only its two agents do.
    case notInConsultation

    var problem: APIError {
        switch self {
        case .notFound: .notFound("The interaction")
        case .notOwner:
            APIError(status: .forbidden, code: "not_owner", title: "Not the owner", detail: "Only the agent who owns the interaction may do this.")
        case .closed:
            APIError(status: .conflict, code: "interaction_closed", title: "Interaction closed", detail: "The interaction is already closed.")
        case .dispositionRequired:
            APIError(
                status: .conflict, code: "disposition_required", title: "Disposition required",
                detail: "This number requires a disposition before Done: PUT /v1/interactions/{id}/disposition first.")
        case .recipientOptedOut:
            APIError(
                status: .conflict, code: "recipient_opted_out", title: "Recipient opted out",
                detail: "The customer opted out of messages from this number (STOP); no reply can be sent until they opt in (START).")
        case .interactionOpen(let id):
            APIError(
                status: .conflict, code: "interaction_open", title: "Interaction open",
                detail: id.map { "An interaction between these numbers is already open: \($0.uuidString.lowercased())" }
                    ?? "An interaction between these numbers is already open.")
        case .emptyReply:
            .invalid("The reply text is empty.", code: "empty_reply")
        case .replyTooLong(let parts, let max):
            .invalid("The reply needs \(parts) SMS parts; at most \(max) are allowed.", code: "reply_too_long")
        case .unknownDisposition(let code):
            .invalid("Unknown disposition code \(code): GET /v1/dispositions lists them.", code: "unknown_disposition")
        case .unknownStandardResponse:
            .invalid("standard_response_id does not name a standard response.", code: "unknown_standard_response")
        case .invalid(let detail):
            .invalid(detail)
        case .consultationNotFound: .notFound("The consultation")
        case .consultationOpen:
            APIError(
                status: .conflict, code: "consultation_open", title: "Consultation open",
                detail: "A consultation with this agent is already open on the interaction.")
        case .consultationEnded:
            APIError(status: .conflict, code: "consultation_ended", title: "Consultation ended", detail: "The consultation has ended.")
        case .notInConsultation:
            APIError(
                status: .forbidden, code: "not_in_consultation", title: "Not in the consultation",
                detail: "Only the two agents of the consultation may post in it.")
        }
    }
}
