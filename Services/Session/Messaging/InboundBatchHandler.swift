import Foundation
import Logging
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels

/// The set-based path of `message.received` (plain SMS, the bulk of the traffic): a whole
/// batch is claimed in the inbox and placed in one transaction of a fixed number of
/// statements (``InteractionCommands/placeInboundBatch(_:on:)``), because statements per
/// message, not messages, are what bound throughput. If that transaction fails, the
/// caller handles the same deliveries message by message (the general path), so one bad
/// message still never blocks the others.
struct InboundBatchHandler: Sendable {
    let commands: InteractionCommands
    let transactions: TransactionalHandler

    /// A delivery this path can take: a `message.received` without media, with a message id.
    static func plainSMS(_ delivery: AMQPDelivery) -> (event: CloudEvent<MessageReceived>, messageID: String)? {
        guard delivery.routingKey == EventType.messageReceived.rawValue,
            let messageID = delivery.properties.messageID, !messageID.isEmpty,
            let event = try? EventDecoding.decode(MessageReceived.self, from: delivery),
            event.data.media.isEmpty
        else { return nil }
        return (event, messageID)
    }

    /// Places the messages in one transaction; false when it failed (nothing committed).
    func place(_ messages: [(event: CloudEvent<MessageReceived>, messageID: String)]) async -> Bool {
        let transactions = self.transactions
        let commands = self.commands
        do {
            try await transactions.outbox.transaction(on: transactions.client, logger: transactions.logger) { connection in
                let claimed = try await transactions.inbox.claim(
                    messageIDs: messages.map(\.messageID), consumer: transactions.consumer, on: connection, logger: transactions.logger
                )
                var placed = Set<String>()
                let fresh = messages.filter { claimed.contains($0.messageID) && placed.insert($0.messageID).inserted }
                try await commands.placeInboundBatch(fresh.map { ($0.event.data, $0.event.traceparent) }, on: connection)
            }
            return true
        } catch {
            transactions.logger.debug(
                "inbound batch failed; handling its messages one by one",
                metadata: [
                    "size": "\(messages.count)", "reason": "\(String(reflecting: TransactionalHandler.unwrap(error)))",
                ])
            return false
        }
    }
}
