public import Foundation

/// A message to publish.
public struct AMQPMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: Data
    public var properties: AMQPProperties
    /// When true the broker returns the message if no queue is bound for it, and the
    /// publish fails with ``AMQPError/unroutable(code:reason:)``. Commands and inbound
    /// messages must reach a queue; events are broadcasts, so a missing subscriber is
    /// not an error for them.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, body: Data, properties: AMQPProperties, mandatory: Bool = true) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}
