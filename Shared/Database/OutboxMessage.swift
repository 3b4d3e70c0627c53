public import Foundation
import SwitchboardAMQP
public import SwitchboardModels

/// An event or command written to the outbox in the transaction of the state change that
/// caused it; the relay publishes it after commit.
public struct OutboxMessage: Sendable, Equatable {
    public var messageID: String
    public var exchange: String
    public var routingKey: String
    public var type: String
    public var contentType: String
    public var correlationID: String?
    public var traceparent: String?
    public var mandatory: Bool
    public var body: Data

    public init(
        messageID: String, exchange: String, routingKey: String, type: String, contentType: String,
        correlationID: String?, traceparent: String?, mandatory: Bool, body: Data
    ) {
        self.messageID = messageID
        self.exchange = exchange
        self.routingKey = routingKey
        self.type = type
        self.contentType = contentType
        self.correlationID = correlationID
        self.traceparent = traceparent
        self.mandatory = mandatory
        self.body = body
    }

    /// A domain event as a CloudEvent on `switchboard.events` (routing key = event type).
    /// Events are broadcasts: not `mandatory`, a type nobody subscribes to is not an error.
    /// `correlationID` defaults to the subject (the interaction id); events without an
    /// interaction pass their conversation key, which consumers order by.
    public static func event<Payload: Codable & Sendable>(
        _ type: EventType, service: String, subject: String?, traceparent: String?, data: Payload,
        correlationID: String? = nil, id: String = UUID().uuidString.lowercased(), time: Date = Date()
    ) throws -> OutboxMessage {
        // Every message carries a trace context: the cause's, or a new trace.
        let traceparent = traceparent ?? TraceContext.newTraceparent()
        let event = CloudEvent(
            id: id, source: "/switchboard/\(service)", eventType: type.rawValue, time: time, subject: subject,
            traceparent: traceparent, data: data
        )
        return OutboxMessage(
            messageID: id, exchange: SwitchboardTopology.eventsExchange, routingKey: type.rawValue, type: type.rawValue,
            contentType: CloudEvent<Payload>.contentType, correlationID: correlationID ?? subject, traceparent: traceparent,
            mandatory: false, body: try event.directJSON() ?? SwitchboardJSON.encoder().encode(event)
        )
    }

    /// The AMQP message with the properties of docs/architecture.md section 2.
    func amqpMessage(service: String, now: Date) -> AMQPMessage {
        let headers: [String: AMQPHeaderValue] = ["traceparent": .string(traceparent ?? TraceContext.newTraceparent())]
        return AMQPMessage(
            exchange: exchange, routingKey: routingKey, body: body,
            properties: AMQPProperties(
                messageID: messageID, type: type, contentType: contentType, correlationID: correlationID,
                timestamp: now, appID: service, headers: headers, deliveryMode: 2
            ),
            mandatory: mandatory
        )
    }
}
