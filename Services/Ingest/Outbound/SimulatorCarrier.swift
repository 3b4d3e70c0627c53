import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase

/// The `simulator` carrier (docs/architecture.md 10.1): a channel that sends nowhere, for
/// demos and tests. It takes every SMS at once, records it (`ingest.simulator_messages`,
/// readable with `GET /v1/simulator/{channel}/messages`) and owes one receipt:
/// `delivered` after `outbound.delivery_delay_ms`, or `undelivered` with error 30003 for a
/// number in `outbound.fail_numbers`; ``SimulatorReceiptTimer`` pays it through the same
/// path as a carrier's receipt webhook.
struct SimulatorCarrier: Sendable {
    let schema: String
    static let undeliveredErrorCode = "30003"

    /// Takes the SMS in the caller's transaction and returns its carrier id.
    func accept(_ sms: QueuedSMS, settings: OutboundSettings, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let carrierID = "SIM" + sms.reference
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).simulator_messages (carrier_id, channel, from_number, to_number, text, encoding)
            VALUES (\(carrierID), \(sms.channel), \(sms.from), \(sms.to), \(sms.text), \(sms.encoding))
            ON CONFLICT (carrier_id) DO NOTHING
            """, logger: logger)
        let fails = settings.failNumbers?.contains(sms.to) ?? false
        let delay = Double(settings.deliveryDelayMs ?? OutboundSettings.defaultDeliveryDelayMs) / 1000
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).simulator_receipts (carrier_id, status, channel, error_code, due_at)
            VALUES (\(carrierID), \(fails ? "undelivered" : "delivered"), \(sms.channel), \(fails ? Self.undeliveredErrorCode : nil),
                    now() + make_interval(secs => \(delay)))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        return carrierID
    }
}
