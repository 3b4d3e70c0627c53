import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The projection of interactions built from `interaction.*` events (contacts never reads
/// session's tables), with the contact each one belongs to.
///
/// Events of one interaction may arrive in any order (several replicas, redeliveries), so
/// every write is an upsert that only moves forward: a late `interaction.assigned` never
/// reopens a closed interaction, an older assignment never replaces a newer one.
protocol HistoryStore: Sendable {
    /// Records `interaction.created`; returns the projected interaction.
    func created(_ event: InteractionCreated, on connection: PostgresConnection, logger: Logger) async throws -> ProjectedInteraction
    func assigned(_ event: InteractionAssigned, on connection: PostgresConnection, logger: Logger) async throws
    func closed(_ event: InteractionClosed, on connection: PostgresConnection, logger: Logger) async throws
    func disposition(_ interactionID: UUID, code: String?, on connection: PostgresConnection, logger: Logger) async throws
    /// The interaction locked for update, or nil when no event of it arrived yet.
    func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ProjectedInteraction?
    /// Links the interactions to a contact; `how` (`identified` or `assigned`) is kept as it
    /// was when nil (a merge or its undo moves history without changing how it was linked).
    func link(_ ids: [UUID], to contact: UUID, how: String?, on connection: PostgresConnection, logger: Logger) async throws
    /// Open interactions from `number` that have no contact yet (locked).
    func openUnlinked(from number: String, on connection: PostgresConnection, logger: Logger) async throws -> [UUID]
    /// Every interaction of a contact (locked).
    func interactions(of contact: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [UUID]
    /// The current contact of each of `ids` that has one.
    func contacts(of ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: UUID]
    /// - Parameter viewer: an agent who sees only the interactions it owns or owned
    ///   (``InteractionParticipants``); nil for supervisors and admins, who see all.
    ///   `count_24h` always counts them all: it says how busy the contact is, not who.
    func history(
        of contact: UUID, since: Date?, cursor: KeysetCursor?, limit: Int, viewer: String?, client: PostgresClient, logger: Logger
    ) async throws -> HistoryPage
}

/// One interaction as projected.
struct ProjectedInteraction: Sendable, Equatable {
    var id: UUID
    var from: String?
    var to: String?
    var state: String
    var agentID: String?
    var contactID: UUID?
}

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
        case contactId = "contact_id", items, next, count24h = "count_24h"
    }
}
