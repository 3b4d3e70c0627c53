import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// `GET /v1/contacts/{id}/history`: the interactions, newest first, and how many were
/// created in the last 24 hours.
struct HistoryPage: Encodable, Sendable {
    struct Agent: Encodable, Sendable, Equatable {
        var id: String
        @ExplicitNull var name: String?

        enum CodingKeys: String, CodingKey { case id, name }
    }

    struct Item: Encodable, Sendable, Equatable {
        var interactionId: String
        var createdAt: Date
        @ExplicitNull var closedAt: Date?
        @ExplicitNull var mode: String?
        @ExplicitNull var media: String?
        /// `queued`, `active` or `closed`.
        var state: String
        @ExplicitNull var from: String?
        @ExplicitNull var to: String?
        @ExplicitNull var agent: Agent?
        @ExplicitNull var disposition: String?
        @ExplicitNull var closeReason: String?
        /// `identified` (by its number) or `assigned` (manually).
        @ExplicitNull var link: String?

        enum CodingKeys: String, CodingKey {
            case interactionId, createdAt, closedAt, mode, media, state, from, to, agent, disposition, closeReason, link
        }
    }

    var contactId: String
    var items: [Item]
    @ExplicitNull var next: String?
    var count24h: Int

    enum CodingKeys: String, CodingKey {
        case contactId = "contact_id"
        case items, next
        case count24h = "count_24h"
    }
}
