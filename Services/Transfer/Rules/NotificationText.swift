/// The text of an agent notification about the outcome of its transfer.
enum NotificationKind: String, Sendable, Codable, Equatable, CaseIterable {
    case transferRejected = "transfer_rejected"
    case transferExpired = "transfer_expired"
    case transferAccepted = "transfer_accepted"

    /// "Sam Other rejected the transfer", "Sam Other did not answer the transfer in time",
    /// "Sam Other accepted the transfer".
    func text(target: String) -> String {
        switch self {
        case .transferRejected: "\(target) rejected the transfer"
        case .transferExpired: "\(target) did not answer the transfer in time"
        case .transferAccepted: "\(target) accepted the transfer"
        }
    }
}
