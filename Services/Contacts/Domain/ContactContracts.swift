import Foundation

// Message contracts this service consumes or emits that are not in SwitchboardModels yet.
// Both belong in Shared/Models/Contracts (move them there unchanged, with `public`).

/// `consent.keyword` (emitted by ingest): an inbound message whose text is a consent
/// keyword (DESIGN.md section 4).
struct ConsentKeyword: Codable, Sendable, Equatable {
    /// Ingest's id of the message.
    var messageId: String
    /// The customer's number (E.164).
    var from: String
    /// The organisation number that was texted.
    var to: String
    /// The keyword as detected (`STOP`, `START`, `HELP`, ...).
    var keyword: String
    /// `opt_out`, `opt_in` or `help`.
    var action: String
    var at: Date
}

/// `contact.unmerged`: merge `id` of `source_id` into `target_id` was undone; both
/// contacts are back as they were before it.
struct ContactUnmerged: Codable, Sendable, Equatable {
    var id: String
    var targetId: String
    var sourceId: String
    var at: Date
}
