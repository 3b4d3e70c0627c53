import Foundation
import Logging
import PostgresNIO

/// Carrier ids of outbound parts (`ingest.carrier_ids`) and applied receipts (`ingest.receipts`).
struct PostgresReceiptStore: Sendable {
    let schema: String

    struct Mapping: Sendable, Equatable {
        var messageID: String
        var part: Int?
    }

    /// Records carrier id → (message id, part); the first mapping of a carrier id wins.
    func map(channel: String, carrierID: String, to mapping: Mapping, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).carrier_ids (channel, carrier_id, message_id, part)
            VALUES (\(channel), \(carrierID), \(mapping.messageID), \(mapping.part))
            ON CONFLICT (channel, carrier_id) DO NOTHING
            """, logger: logger)
    }

    func mapping(channel: String, carrierID: String, on connection: PostgresConnection, logger: Logger) async throws -> Mapping? {
        let rows = try await connection.query(
            """
            SELECT message_id, part FROM \(unescaped: schema).carrier_ids WHERE channel = \(channel) AND carrier_id = \(carrierID)
            """, logger: logger)
        for try await (messageID, part) in rows.decode((String, Int?).self) { return Mapping(messageID: messageID, part: part) }
        return nil
    }

    /// Records a receipt; false when this (channel, carrier id, status) was applied before.
    func record(
        channel: String, carrierID: String, status: String, mapping: Mapping, errorCode: String?, at: Date, source: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).receipts (channel, carrier_id, status, message_id, part, error_code, at, source)
            VALUES (\(channel), \(carrierID), \(status), \(mapping.messageID), \(mapping.part), \(errorCode), \(at), \(source))
            ON CONFLICT DO NOTHING
            RETURNING status
            """, logger: logger)
        for try await _ in rows.decode(String.self) { return true }
        return false
    }
}
