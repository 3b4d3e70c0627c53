import Foundation
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// Consumes `ingest.messages`. Other systems may publish without a `message_id`; the
/// dedup key is the message's own (channel, id), enforced by the store.
struct InboundMessageHandler: Sendable {
    let acceptor: InboundAcceptor

    func handle(_ delivery: AMQPDelivery) async -> AMQPHandlingResult {
        let message: InboundMessage
        do {
            message = try SwitchboardJSON.decoder().decode(InboundMessage.self, from: delivery.body)
        } catch let error as DecodingError {
            return .deadLetter(reason: "not a valid inbound message: \(DecodingErrorText.describe(error))")
        } catch {
            return .deadLetter(reason: "not valid JSON")
        }
        do {
            _ = try await acceptor.accept(message, source: "amqp", traceparent: delivery.properties.headers["traceparent"]?.stringValue)
            return .ack
        } catch let invalid as InvalidMessage {
            return .deadLetter(reason: invalid.reason)
        } catch {
            return .retry(reason: String(reflecting: TransactionalHandler.unwrap(error)))
        }
    }
}
