import Foundation
import Logging
import PostgresNIO

/// Where accepted inbound messages are kept. `insert` returns nil for a duplicate
/// (same channel and carrier id), which is then accepted again without a new effect.
/// `id` is the message's id: new for a whole message, the group's for a reassembled one.
protocol InboundStore: Sendable {
    func insert(_ message: ValidatedInbound, id: UUID, source: String, on connection: PostgresConnection, logger: Logger) async throws -> StoredInbound?
    func find(channel: String, carrierMessageID: String, on connection: PostgresConnection, logger: Logger) async throws -> StoredInbound?
    /// Inserts whole messages in one statement, their sequence numbers in the given order;
    /// returns what was stored by id (duplicates, also within `messages`, are left out).
    func insertAll(_ messages: [(id: UUID, message: ValidatedInbound)], source: String, on connection: PostgresConnection, logger: Logger) async throws -> [UUID: StoredInbound]
}

/// What the store assigned to a new message.
struct StoredInbound: Sendable, Equatable {
    var id: UUID
    var sequence: Int64
    var acceptedAt: Date
}
