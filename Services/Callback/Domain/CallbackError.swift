import HTTPTypes
import SwitchboardServiceKit

/// Why an operation on a callback was refused; each maps to one HTTP status and a stable
/// problem `code`.
enum CallbackError: ProblemError, Equatable {
    /// It does not exist, or the caller may not see it (404, existence not revealed).
    case notFound
    /// The request names an interaction the caller may not see (or that does not exist):
    /// 404, as session answers for it, so an interaction's existence is not revealed.
    case interactionNotFound
    /// The caller may see it but is neither its scheduler, its target agent nor a supervisor.
    case notAllowed
    /// It is `completed` or `cancelled`: final.
    case closed(CallbackState)
    case invalid(String)

    var problem: APIError {
        switch self {
        case .notFound:
            .notFound("The callback")
        case .interactionNotFound:
            .notFound("The interaction")
        case .notAllowed:
            .forbidden("Only the agent who scheduled the callback, its target agent, or a supervisor or admin may change it.")
        case .closed(let state):
            APIError(
                status: .conflict, code: "callback_closed", title: "Callback closed",
                detail: "The callback is already \(state.rawValue); completed and cancelled callbacks cannot change.")
        case .invalid(let detail):
            .invalid(detail)
        }
    }
}
