import HTTPTypes
import SwitchboardServiceKit

/// Why an operation of the transfer service was refused; each maps to one HTTP status and
/// a stable problem `code`.
enum TransferError: ProblemError, Equatable {
    /// It does not exist, or the caller may not see it (404, existence not revealed).
    case notFound(String)
    /// The caller may not do this (403 `forbidden`).
    case notAllowed(String)
    /// Only the interaction's current owner transfers it (403 `not_owner`).
    case notOwner
    /// The offer's time ran out (409 `offer_expired`).
    case offerExpired
    /// The offer was already accepted or rejected (409 `offer_not_pending`).
    case offerNotPending(OfferState)
    /// Another transfer of the interaction awaits its target's answer, or an accepted one
    /// awaits session's assignment (409 `transfer_pending`).
    case transferPending
    /// The interaction is closed (409 `interaction_closed`).
    case interactionClosed
    /// The target agent is not Ready on SMS or has no spare capacity (409 `target_unavailable`).
    case targetUnavailable(String)
    /// The target does not exist (422 `unknown_target`).
    case unknownTarget(String)
    case invalid(String)

    var problem: APIError {
        switch self {
        case .notFound(let what):
            .notFound(what)
        case .notAllowed(let detail):
            .forbidden(detail)
        case .notOwner:
            APIError(
                status: .forbidden, code: "not_owner", title: "Not the owner",
                detail: "Only the agent who currently owns the interaction may transfer it.")
        case .offerExpired:
            APIError(
                status: .conflict, code: "offer_expired", title: "Offer expired",
                detail: "The offer expired before it was answered; it has gone to the next agent.")
        case .offerNotPending(let state):
            APIError(
                status: .conflict, code: "offer_not_pending", title: "Offer already answered",
                detail: "The offer is already \(state.rawValue).")
        case .transferPending:
            APIError(
                status: .conflict, code: "transfer_pending", title: "Transfer pending",
                detail: "Another transfer of this interaction is in progress.")
        case .interactionClosed:
            APIError(
                status: .conflict, code: "interaction_closed", title: "Interaction closed",
                detail: "The interaction is closed.")
        case .targetUnavailable(let detail):
            APIError(status: .conflict, code: "target_unavailable", title: "Target unavailable", detail: detail)
        case .unknownTarget(let detail):
            .invalid(detail, code: "unknown_target")
        case .invalid(let detail):
            .invalid(detail)
        }
    }
}
