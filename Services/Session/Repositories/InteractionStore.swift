import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// A new interaction to store.
struct NewInteraction: Sendable, Equatable {
    var id: UUID
    var settings: NumberSettings
    var media: String
    var channel: String
    var from: String
    var to: String
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
    var media: [String] = []
    var parts: [TranscriptEntryView.PartView] = []
    var entities: TranscriptEntities = .empty
    var messageID: String?
    var ingestSequence: Int64?
    var at: Date
    /// Media items the message came with (their ids are attached as media stores them).
    var mediaCount = 0
}

/// Filters of `GET /v1/interactions`; nil means "any". `visibleTo` limits an agent to the
/// interactions it owns or owned.
struct InteractionFilter: Sendable, Equatable {
    var from: String?
    var to: String?
    var contactID: String?
    var ownerID: String?
    var state: String?
    var createdAfter: Date?
    var createdBefore: Date?
    var cursor: KeysetCursor?
    var limit: Int
    var visibleTo: String?
}

/// Interactions and transcripts, behind a protocol so the rules can be tested without a database.
protocol InteractionStore: Sendable {
    /// The open Session-mode interactions of `conversations`, locked (`FOR UPDATE`, in id
    /// order), in one query.
    func openSessionIDs(
        _ conversations: [InboundBatchPlacement.Conversation], on connection: PostgresConnection, logger: Logger
    ) async throws -> [InboundBatchPlacement.Conversation: UUID]
    /// Creates interactions in one statement.
    func create(_ interactions: [NewInteraction], on connection: PostgresConnection, logger: Logger) async throws
    /// Appends plain inbound messages in one statement, each with its interaction's next
    /// sequence number in the entries' order, recording each as activity (as
    /// ``append(_:touchingAt:on:logger:)`` does); returns the sequence number per message id.
    func appendInbound(_ entries: [InboundEntry], on connection: PostgresConnection, logger: Logger) async throws -> [String: Int]
    func openSessionID(organisation: String, customer: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    func create(_ interaction: NewInteraction, on connection: PostgresConnection, logger: Logger) async throws
    /// Appends an entry with the interaction's next sequence number and returns it; with
    /// `activity`, also records that activity: it pushes an open session's inactivity
    /// deadline (activity never moves backwards).
    func append(_ entry: NewTranscriptEntry, touchingAt activity: Date?, on connection: PostgresConnection, logger: Logger) async throws -> Int
    /// The interaction locked for update, or nil.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InteractionRecord?
    func participants(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Set<String>
    func assign(_ id: UUID, agentID: String, agentName: String?, on connection: PostgresConnection, logger: Logger) async throws
    func close(_ id: UUID, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func setDisposition(_ id: UUID, code: String, on connection: PostgresConnection, logger: Logger) async throws
    func setNote(_ id: UUID, text: String, on connection: PostgresConnection, logger: Logger) async throws
    func setCaseData(_ id: UUID, _ caseData: [String: String], on connection: PostgresConnection, logger: Logger) async throws
    func setContact(_ id: UUID, contactID: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws
    func replaceContact(_ sourceID: String, with targetID: String, name: String?, on connection: PostgresConnection, logger: Logger) async throws
    /// Sets the status of outbound parts of a message; returns the interaction, if the message is known.
    func updatePartStatus(messageID: String, part: Int?, status: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    /// Adds a media id to the entry of an inbound message; returns the interaction, if known.
    func attachMedia(messageID: String, mediaID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    func interactionID(ofMessage messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    /// Serialises, until commit, the transactions that meet over one MMS (its message, its
    /// stored media, its failed media), so none misses another's uncommitted row.
    func lockMediaOfMessage(_ messageID: String, on connection: PostgresConnection, logger: Logger) async throws
    /// Keeps a `media.failed` whose message is not in a transcript yet.
    func parkMediaFailure(messageID: String, index: Int, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    /// Removes and returns the failures parked for a message, in item order.
    func takeParkedMediaFailures(messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> [ParkedMediaFailure]
    /// Open sessions whose inactivity deadline passed, locked (`SKIP LOCKED`: replicas split them).
    func claimDueTimeouts(now: Date, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> [InteractionRecord]
    /// The earliest inactivity deadline, to sleep until it.
    /// Seconds from the database's now to the earliest `timeout_at` (≤ 0 when one is due);
    /// nil when no session waits.
    func secondsUntilNextTimeout(client: PostgresClient, logger: Logger) async throws -> Double?
    /// The database's clock (the transaction's start), which every timer uses.
    func databaseNow(on connection: PostgresConnection, logger: Logger) async throws -> Date
    func interaction(id: UUID, client: PostgresClient, logger: Logger) async throws -> InteractionView?
    func list(_ filter: InteractionFilter, client: PostgresClient, logger: Logger) async throws -> ListPage<InteractionView>
}

extension InteractionStore {
    /// Appends an entry without recording activity.
    func append(_ entry: NewTranscriptEntry, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await append(entry, touchingAt: nil, on: connection, logger: logger)
    }
}
