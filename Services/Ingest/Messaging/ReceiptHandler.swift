import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `ingest.receipts` (``ReceiptRecorder``). A delivery with a `message_id` is
/// recorded in the inbox in the same transaction (a redelivery is a no-op); one without is
/// still applied (connectors may publish without it), its dedup being (channel, carrier
/// id, status). Malformed receipts and unknown carrier ids are dead-lettered with the reason.
struct ReceiptHandler: Sendable {
    let recorder: ReceiptRecorder
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    let inbox: Inbox
    let logger: Logger

    private struct Keys: Decodable {
        var channel: String?
        var id: String?
        var messageId: String?
    }

    /// The ordering key of a receipt: its channel and carrier id, else our message id.
    static func orderingKey(of body: Data) -> String? {
        guard let keys = try? SwitchboardJSON.decoder().decode(Keys.self, from: body) else { return nil }
        if let id = keys.id, !id.isEmpty { return "\(keys.channel ?? "default")|\(id)" }
        return keys.messageId
    }

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let receipt: DeliveryReceipt
        do {
            receipt = try SwitchboardJSON.decoder().decode(DeliveryReceipt.self, from: delivery.body)
        } catch let error as DecodingError {
            return .deadLetter(reason: "not a valid delivery receipt: \(DecodingErrorText.describe(error))")
        } catch {
            return .deadLetter(reason: "not valid JSON")
        }
        let traceparent = delivery.properties.headers["traceparent"]?.stringValue
        do {
            try await outbox.transaction(on: client, logger: logger) { connection in
                if let messageID = delivery.properties.messageID, !messageID.isEmpty {
                    guard try await inbox.claim(messageID: messageID, consumer: QueueName.ingestReceipts.rawValue, on: connection, logger: logger)
                    else { return }
                }
                _ = try await recorder.record(receipt, traceparent: traceparent, now: Date(), on: connection)
            }
            return .ack
        } catch {
            let cause = TransactionalHandler.unwrap(error)
            if let permanent = cause as? any PermanentMessageError { return .deadLetter(reason: permanent.description) }
            return .retry(reason: String(reflecting: cause))
        }
    }
}
