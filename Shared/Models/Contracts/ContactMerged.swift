public import Foundation

/// `contact.merged`: contact `source_id` was merged into `target_id` (the merge record of
/// docs/architecture.md section 3). Consumers re-point what they hold of the source to the target.
public struct ContactMerged: Codable, Sendable, Equatable {
    /// The merge's id (for `POST /v1/merges/{id}/undo`).
    public var id: String
    public var targetId: String
    public var sourceId: String
    /// The target's display name after the merge, when known.
    public var targetName: String?
    public var at: Date?

    public init(id: String, targetId: String, sourceId: String, targetName: String?, at: Date?) {
        self.id = id
        self.targetId = targetId
        self.sourceId = sourceId
        self.targetName = targetName
        self.at = at
    }
}
