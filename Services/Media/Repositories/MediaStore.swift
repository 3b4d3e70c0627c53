import Foundation
import Logging
import PostgresNIO

/// Media metadata and the access projection, behind a protocol so the rules can be tested
/// without a database. Changes run on the caller's connection, inside the caller's
/// transaction (with the inbox record and the outbox event).
protocol MediaStore: Sendable {
    /// Whether item (`messageID`, `index`) was already stored or failed (a redelivered
    /// command is then not fetched again).
    func isSettled(messageID: String, index: Int, client: PostgresClient, logger: Logger) async throws -> Bool
    func blob(sha256: String, client: PostgresClient, logger: Logger) async throws -> BlobRecord?
    /// Inserts the blob unless one with its digest exists.
    func insertBlob(_ blob: BlobRecord, on connection: PostgresConnection, logger: Logger) async throws
    /// Inserts the item; false when (`message_id`, `idx`) already has one.
    func insertItem(_ record: MediaRecord, on connection: PostgresConnection, logger: Logger) async throws -> Bool
    /// Records a failure; false when the item already failed or was stored.
    func recordFailure(messageID: String, index: Int, reason: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws -> Bool
    /// Serialises, until commit, the transactions that meet over one message: storing an item
    /// of it and learning its interaction (``mapMessage``). Without it each can miss the
    /// other's uncommitted row and the item never learns its interaction.
    func lockMessage(_ messageID: String, on connection: PostgresConnection, logger: Logger) async throws
    func interactionID(ofMessage messageID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID?
    /// `interaction.message.appended`: remembers the message's interaction and gives it to
    /// the message's items that did not know it yet.
    func mapMessage(_ messageID: String, to interactionID: UUID, on connection: PostgresConnection, logger: Logger) async throws
    /// `interaction.assigned`: the agent may see the interaction's media from now on, for good.
    func addParticipant(interactionID: UUID, agentID: String, at: Date, on connection: PostgresConnection, logger: Logger) async throws
    func item(id: UUID, client: PostgresClient, logger: Logger) async throws -> MediaRecord?
    func isParticipant(interactionID: UUID, agentID: String, client: PostgresClient, logger: Logger) async throws -> Bool
    func items(interactionID: UUID, limit: Int, client: PostgresClient, logger: Logger) async throws -> [MediaRecord]
}
