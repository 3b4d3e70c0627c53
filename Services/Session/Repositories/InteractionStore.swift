import Foundation
import Logging
import PostgresNIO

/// A new interaction to store.
struct NewInteraction: Sendable, Equatable {
    var id: UUID
    var mode: InteractionMode
    var media: String
    var from: String
    var to: String
    var queue: String
    var origin: String
    var createdAt: Date
}

/// A new transcript entry.
struct NewTranscriptEntry: Sendable, Equatable {
    var interactionID: UUID
    var kind: String
    var direction: String?
    var authorType: String
    var authorID: String?
    var authorName: String?
    var text: String
    var messageID: String?
    var ingestSequence: Int64?
    var at: Date
}

/// Filters of `GET /v1/interactions`; nil means "any".
struct InteractionFilter: Sendable, Equatable {
    var from: String?
    var to: String?
    var contactID: String?
    var ownerID: String?
    var state: String?
    var createdAfter: Date?
    var createdBefore: Date?
    var cursor: InteractionCursor?
    var limit: Int
}

/// Interactions and transcripts, behind a protocol so the rules can be tested without a database.
protocol InteractionStore: Sendable {
    func openSessionID(organisation: String, customer: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    func create(_ interaction: NewInteraction, on connection: PostgresConnection, logger: Logger) async throws
    /// Appends an entry with the interaction's next sequence number and returns it.
    func append(_ entry: NewTranscriptEntry, on connection: PostgresConnection, logger: Logger) async throws -> Int
    func interaction(id: UUID, client: PostgresClient, logger: Logger) async throws -> InteractionView?
    func list(_ filter: InteractionFilter, client: PostgresClient, logger: Logger) async throws -> ListPage<InteractionView>
}
