import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// Pays the receipts the simulator carrier owes (``SimulatorCarrier``) when they are due,
/// through ``ReceiptRecorder`` as a carrier's webhook would (source `simulator`): each once,
/// however many replicas run (claimed with `FOR UPDATE SKIP LOCKED` and deleted in the
/// transaction that applies it). "Now" is the database's clock.
struct SimulatorReceiptTimer: DueTimer {
    let schema: String
    let client: PostgresClient
    let outbox: Outbox
    let recorder: ReceiptRecorder
    let logger: Logger

    func secondsUntilNext() async throws -> Double? {
        let rows = try await client.rows(
            "SELECT extract(epoch FROM (min(due_at) - now()))::float8 FROM \(unescaped: schema).simulator_receipts", logger: logger
        )
        for try await seconds in rows.decode(Double?.self) { return seconds }
        return nil
    }

    func fireDue(limit: Int) async throws -> Int {
        try await outbox.transaction(on: client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                DELETE FROM \(unescaped: schema).simulator_receipts
                WHERE (carrier_id, status) IN (
                    SELECT carrier_id, status FROM \(unescaped: schema).simulator_receipts
                    WHERE due_at <= now() ORDER BY due_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING carrier_id, status, channel, error_code
                """, logger: logger)
            var due: [(String, String, String, String?)] = []
            for try await row in rows.decode((String, String, String, String?).self) { due.append(row) }
            for (carrierID, status, channel, errorCode) in due {
                let receipt = CarrierReceipt(carrierID: carrierID, rawStatus: status, status: status, errorCode: errorCode, at: nil)
                _ = try await recorder.record(receipt, channel: channel, source: "simulator", traceparent: nil, now: Date(), on: connection)
            }
            return due.count
        }
    }
}
