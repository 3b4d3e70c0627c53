/// The text of an agent notification about a transfer that did not happen.
enum NotificationKind: String, Sendable, Codable, Equatable, CaseIterable {
    case transferRejected = "transfer_rejected"
    case transferExpired = "transfer_expired"

    /// "Sam Other rejected the transfer", "Sam Other did not answer the transfer in time".
    func text(target: String) -> String {
        switch self {
        case .transferRejected: "\(target) rejected the transfer"
        case .transferExpired: "\(target) did not answer the transfer in time"
        }
    }
}
