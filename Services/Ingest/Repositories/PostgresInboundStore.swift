import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// Where accepted inbound messages are kept. `insert` returns nil for a duplicate
/// (same channel and carrier id), which is then accepted again without a new effect.
/// `id` is the message's id: new for a whole message, the group's for a reassembled one.
/// In the `ingest.messages` table; the unique (channel, carrier id) constraint is the
/// dedup, forever, not a time window.
struct PostgresInboundStore {
    let schema: String

    func insert(
        _ message: ValidatedInbound, id: UUID, source: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> StoredInbound? {
        let media = String(decoding: try SwitchboardJSON.encoder().encode(message.media), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).messages
                (id, channel, carrier_message_id, from_number, to_number, text, media, received_at, source)
            VALUES (\(id), \(message.channel), \(message.carrierMessageID), \(message.from), \(message.to), \(message.text),
                    \(media)::jsonb, \(message.receivedAt), \(source))
            ON CONFLICT (channel, carrier_message_id) DO NOTHING
            RETURNING sequence, accepted_at
            """, logger: logger)
        for try await (sequence, acceptedAt) in rows.decode((Int64, Date).self) {
            return StoredInbound(id: id, sequence: sequence, acceptedAt: acceptedAt)
        }
        return nil
    }

    /// Inserts whole messages in one statement, their sequence numbers in the given order;
    /// returns what was stored by id (duplicates, also within `messages`, are left out).
    func insertAll(
        _ messages: [(id: UUID, message: ValidatedInbound)], source: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID: StoredInbound] {
        guard !messages.isEmpty else { return [:] }
        let encoder = SwitchboardJSON.encoder()
        let media = try messages.map { String(decoding: try encoder.encode($0.message.media), as: UTF8.self) }
        // A prepared statement (``InboundBatchInsertStatement``): it runs for every batch.
        let statement = InboundBatchInsertStatement(
            ids: messages.map(\.id), channels: messages.map(\.message.channel), carrierMessageIDs: messages.map(\.message.carrierMessageID),
            from: messages.map(\.message.from), to: messages.map(\.message.to), texts: messages.map(\.message.text), media: media,
            receivedAt: messages.map(\.message.receivedAt), source: source)
        var stored: [UUID: StoredInbound] = [:]
        for try await (id, sequence, acceptedAt) in try await connection.execute(statement, logger: logger) {
            stored[id] = StoredInbound(id: id, sequence: sequence, acceptedAt: acceptedAt)
        }
        return stored
    }

    func find(channel: String, carrierMessageID: String, on connection: PostgresConnection, logger: Logger) async throws -> StoredInbound? {
        let rows = try await connection.query(
            """
            SELECT id, sequence, accepted_at FROM \(unescaped: schema).messages
            WHERE channel = \(channel) AND carrier_message_id = \(carrierMessageID)
            """, logger: logger)
        for try await (id, sequence, acceptedAt) in rows.decode((UUID, Int64, Date).self) {
            return StoredInbound(id: id, sequence: sequence, acceptedAt: acceptedAt)
        }
        return nil
    }
}
