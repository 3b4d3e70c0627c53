import Foundation
import SwitchboardModels

/// `{"id", "name"}` of a contact or an agent.
struct PartyView: Codable, Sendable, Equatable {
    var id: String
    @ExplicitNull var name: String?
}

/// An author of a transcript entry.
struct AuthorView: Codable, Sendable, Equatable {
    var type: String
    @ExplicitNull var id: String?
    @ExplicitNull var name: String?
}

/// A transcript entry as the API shows it (docs/architecture.md section 3).
struct TranscriptEntryView: Codable, Sendable, Equatable {
    var seq: Int
    var kind: String
    @ExplicitNull var direction: String?
    var author: AuthorView
    var text: String
    var at: Date
    var media: [String]
    var parts: [PartView]
    var entities: TranscriptEntities

    /// One SMS part of an outbound message, stored as it is shown (jsonb `parts` of the
    /// transcript row). Rows written before `error_code` and `error_reason` existed lack
    /// those keys and read as nil.
    struct PartView: Codable, Sendable, Equatable {
        var text: String
        var status: String
        /// The carrier's error code while the part is `undelivered` or `failed`.
        @ExplicitNull var errorCode: String? = nil
        /// The carrier's text for that failure, for the agent to read.
        @ExplicitNull var errorReason: String? = nil
    }
}

/// An interaction as the API shows it; every key is present (`null` when unset).
struct InteractionView: Codable, Sendable, Equatable {
    var id: String
    var state: String
    var mode: String
    var media: String
    var channel: String
    var from: String
    var to: String
    var queue: String
    var origin: String
    @ExplicitNull var contact: PartyView?
    @ExplicitNull var owner: PartyView?
    var createdAt: Date
    @ExplicitNull var closedAt: Date?
    @ExplicitNull var closeReason: String?
    var elapsedSeconds: Int
    @ExplicitNull var disposition: String?
    @ExplicitNull var note: String?
    var caseData: [String: String]
    /// Present on single reads, absent from lists.
    var transcript: [TranscriptEntryView]?
}

/// A page of a list: `{"items": [...], "next": "<cursor>" | null}`.
struct ListPage<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    @ExplicitNull var next: String?
}
