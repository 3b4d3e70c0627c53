import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `ingest.outbound`: each reply session published for a channel ingest sends for
/// is queued for ``OutboundSender`` in the same transaction as its inbox record, then acked
/// (a redelivery queues nothing twice). A reply whose channel stopped sending since its
/// binding was made goes to `outbound.unrouted` with the others nobody sends, never dropped.
/// A reply that breaks the contract is dead-lettered with the reason.
struct OutboundMessageHandler: Sendable {
    let handler: TransactionalHandler
    let channels: PostgresChannelStore
    let store: PostgresOutboundStore
    /// Wakes this process's sender after a commit that queued SMS.
    let sender: OutboxSignal
    let logger: Logger

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let sms: OutboundSMS
        do {
            sms = try SwitchboardJSON.decoder().decode(OutboundSMS.self, from: delivery.body)
        } catch let error as DecodingError {
            return .deadLetter(reason: "not a valid outbound SMS: \(DecodingErrorText.describe(error))")
        } catch {
            return .deadLetter(reason: "not valid JSON")
        }
        let traceparent = delivery.properties.headers["traceparent"]?.stringValue
        let queued = NIOLockedValueBox(false)
        let result = await handler.handle(delivery) { connection in
            let channel = try await channels.channels(named: [sms.channel], on: connection, logger: logger)[sms.channel]
            switch try OutboundPlan.plan(sms, channel: channel, traceparent: traceparent) {
            case .send(let rows):
                try await store.enqueue(rows, on: connection, logger: logger)
                queued.withLockedValue { $0 = true }
            case .unsendable(let reason):
                try await handler.outbox.enqueue([Self.unrouted(delivery, sms: sms)], on: connection, logger: logger)
                Counter(label: "switchboard_ingest_outbound_unsendable_total").increment()
                logger.warning(
                    "reply for a channel that does not send; kept in outbound.unrouted",
                    metadata: [
                        "message_id": "\(sms.messageId)", "channel": "\(sms.channel)", "reason": "\(reason)",
                    ])
            }
        }
        if case .ack = result, queued.withLockedValue({ $0 }) { sender.wake() }
        return result
    }

    /// The reply as it came, to the unrouted exchange (which keeps it in `outbound.unrouted`).
    static func unrouted(_ delivery: AMQPDelivery, sms: OutboundSMS) -> OutboxMessage {
        OutboxMessage(
            messageID: sms.messageId, exchange: SwitchboardTopology.outboundUnroutedExchange, routingKey: delivery.routingKey,
            type: delivery.properties.type ?? "sms", contentType: "application/json", correlationID: delivery.properties.correlationID,
            traceparent: delivery.properties.headers["traceparent"]?.stringValue, mandatory: true, body: delivery.body
        )
    }
}
