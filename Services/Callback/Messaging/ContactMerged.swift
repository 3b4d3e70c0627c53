import Foundation

/// `contact.merged` as `contacts` emits it (the merge record of DESIGN.md section 3):
/// contact `source_id` was merged into `target_id`. Only the fields callback needs are
/// read; `undone_at` and anything else are ignored. Kept here until the contract moves to
/// SwitchboardModels with the contacts service.
struct ContactMerged: Codable, Sendable, Equatable {
    /// The merge's id.
    var id: String
    var targetId: String
    var sourceId: String
    var at: Date?
}
