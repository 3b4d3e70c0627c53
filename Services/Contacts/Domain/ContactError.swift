import Foundation
import HTTPTypes
import SwitchboardServiceKit

/// Why a contacts operation was refused; each maps to one HTTP status and a stable
/// problem `code`.
enum ContactError: ProblemError, Equatable {
    case notFound
    case interactionNotFound
    /// Erased by `DELETE` (410).
    case deleted
    /// Merged into another contact; reads answer 301, changes 409 `contact_merged`.
    case merged(into: UUID)
    case phoneTaken(String)
    case emailTaken(String)
    case notOwner
    case mergeNotFound
    case mergeRefused(MergePlanner.MergeRefusal)
    case undoRefused(MergePlanner.UndoRefusal)
    case invalid(String)

    var problem: APIError {
        switch self {
        case .notFound:
            .notFound("The contact")
        case .interactionNotFound:
            .notFound("The interaction")
        case .mergeNotFound:
            .notFound("The merge")
        case .deleted:
            APIError(
                status: .gone, code: "contact_deleted", title: "Contact deleted",
                detail: "The contact was deleted; its personal data is erased.")
        case .merged(let target):
            APIError(
                status: .conflict, code: "contact_merged", title: "Contact merged",
                detail: "The contact was merged into \(target.uuidString.lowercased()); change that one instead.")
        case .phoneTaken(let phone):
            APIError(
                status: .conflict, code: "phone_taken", title: "Phone number taken",
                detail: "The phone number \(phone) belongs to another contact.")
        case .emailTaken(let email):
            APIError(
                status: .conflict, code: "email_taken", title: "Email address taken",
                detail: "The email address \(email) belongs to another contact.")
        case .notOwner:
            APIError(
                status: .forbidden, code: "not_owner", title: "Not the owner",
                detail: "Only the agent who owns the interaction, or a supervisor or admin, may assign its contact.")
        case .mergeRefused(let refusal):
            switch refusal {
            case .sameContact:
                .invalid("source_id must be another contact than the target")
            case .targetNotActive(let state):
                APIError(
                    status: .conflict, code: "target_not_active", title: "Target not active",
                    detail: "The target contact is \(state.rawValue).")
            case .sourceNotActive(let state):
                APIError(
                    status: .conflict, code: "source_not_active", title: "Source not active",
                    detail: "The source contact is \(state.rawValue).")
            }
        case .undoRefused(let refusal):
            switch refusal {
            case .alreadyUndone:
                APIError(
                    status: .conflict, code: "merge_undone", title: "Merge already undone",
                    detail: "This merge was already undone.")
            case .phoneMoved(let phone):
                APIError(
                    status: .conflict, code: "phone_moved", title: "Phone number moved",
                    detail: "The phone number \(phone) that the merge moved no longer belongs to the target contact.")
            case .emailMoved(let email):
                APIError(
                    status: .conflict, code: "email_moved", title: "Email address moved",
                    detail: "The email address \(email) that the merge moved no longer belongs to the target contact.")
            case .targetChanged:
                APIError(
                    status: .conflict, code: "target_changed", title: "Target changed",
                    detail: "The target contact was changed, deleted or merged since the merge; undoing it would lose that.")
            case .sourceChanged:
                APIError(
                    status: .conflict, code: "source_changed", title: "Source changed",
                    detail: "The source contact is no longer as the merge left it.")
            case .historyChanged(let interaction):
                APIError(
                    status: .conflict, code: "history_changed", title: "History changed",
                    detail: "Interaction \(interaction.uuidString.lowercased()) that the merge moved was assigned to another contact since.")
            }
        case .invalid(let detail):
            .invalid(detail)
        }
    }
}
