import Foundation

/// A due SMS callback transfer is getting to a person (`transfer.callbacks`): waiting for an
/// available agent, offered to one, or accepted. The row goes when the callback service
/// says the callback is completed, cancelled or moved to another time.
struct DueCallbackRecord: Sendable, Equatable {
    var id: UUID
    var summary: CallbackSummary
    var state: DueCallbackState
    /// Agents who rejected it or let its offer expire: not offered it again for this firing.
    var declined: Set<String>
    var acceptedBy: String?
    var firedAt: Date
    var updatedAt: Date

    var idString: String { id.uuidString.lowercased() }
}
