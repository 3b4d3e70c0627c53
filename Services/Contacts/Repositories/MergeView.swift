import Foundation
import SwitchboardModels

/// A merge record as the API returns it: `{id, target_id, source_id, at, undone_at}` and
/// the contacts as the operation left them.
struct MergeView: Encodable, Sendable {
    var id: String
    var targetId: String
    var sourceId: String
    var at: Date
    @ExplicitNull var undoneAt: Date?
    var target: ContactView
    /// After an undo: the restored source.
    @ExplicitNull var source: ContactView?

    init(_ audit: MergeAudit, target: ContactSnapshot, source: ContactSnapshot?) {
        id = audit.idString
        targetId = audit.targetID.uuidString.lowercased()
        sourceId = audit.sourceID.uuidString.lowercased()
        at = audit.at
        undoneAt = audit.undoneAt
        self.target = ContactView(target)
        self.source = source.map(ContactView.init)
    }

    /// `GET /v1/merges/{id}` and the items of `GET /v1/merges`: the record as the last
    /// operation on it answered, from the audit alone. After the merge, the target as the
    /// merge left it and no source; after the undo, both as it restored them (the contacts
    /// before the merge: the restored ones differ only in their versions, which views do
    /// not show). Showing the contacts as they are now instead would make the record change
    /// with every later edit of either, and say nothing the contacts' own reads do not.
    init(record audit: MergeAudit) {
        if audit.undoneAt == nil {
            self.init(audit, target: audit.targetAfter, source: nil)
        } else {
            self.init(audit, target: audit.targetBefore, source: audit.sourceBefore)
        }
    }

    enum CodingKeys: String, CodingKey { case id, targetId, sourceId, at, undoneAt, target, source }
}
