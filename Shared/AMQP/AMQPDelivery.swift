public import Foundation

/// A message delivered to a consumer. Ack or reject it through the connection that
/// delivered it; a delivery from before a reconnect can no longer be acked (the broker
/// has already requeued it), and acking it is a no-op.
public struct AMQPDelivery: Sendable {
    public let body: Data
    public let properties: AMQPProperties
    public let exchange: String
    public let routingKey: String
    public let redelivered: Bool
    public let deliveryTag: UInt64
    /// The queue the consumer reads.
    public let queue: String
    let channel: UInt16
    let generation: UInt64

    /// How many times the broker delivered this message before (quorum queues' `x-delivery-count`).
    public var previousDeliveries: Int {
        Int(properties.headers["x-delivery-count"]?.intValue ?? 0)
    }
}
