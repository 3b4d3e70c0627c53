import Foundation

/// The audit record of a merge: both contacts as they were before and as the merge left
/// them, and which interactions moved from the source's history to the target's. It holds
/// everything ``MergePlanner/undo(_:target:source:phoneOwners:emailOwners:interactionOwners:at:)``
/// needs to restore both contacts exactly.
struct MergeAudit: Codable, Sendable, Equatable {
    var id: UUID
    var targetBefore: ContactSnapshot
    var sourceBefore: ContactSnapshot
    var targetAfter: ContactSnapshot
    var sourceAfter: ContactSnapshot
    var movedInteractions: [UUID]
    var mergedBy: String
    var at: Date
    var undoneAt: Date?
    var undoneBy: String?

    var targetID: UUID { targetAfter.id }
    var sourceID: UUID { sourceAfter.id }
    var idString: String { id.uuidString.lowercased() }
}
