public import Foundation

/// The AMQP basic properties Switchboard sets and reads (docs/architecture.md section 2).
public struct AMQPProperties: Sendable, Equatable {
    /// Unique id of the message; consumers use it as their dedup key.
    public var messageID: String?
    /// The event or command type (`interaction.created`, `interaction.assign`).
    public var type: String?
    public var contentType: String?
    /// The interaction id for events about one.
    public var correlationID: String?
    /// Seconds since 1970, as AMQP carries it.
    public var timestamp: Date?
    public var appID: String?
    public var headers: [String: AMQPHeaderValue]
    /// 2 = persistent. Switchboard always publishes persistent messages.
    public var deliveryMode: UInt8

    public init(
        messageID: String? = nil,
        type: String? = nil,
        contentType: String? = "application/json",
        correlationID: String? = nil,
        timestamp: Date? = nil,
        appID: String? = nil,
        headers: [String: AMQPHeaderValue] = [:],
        deliveryMode: UInt8 = 2
    ) {
        self.messageID = messageID
        self.type = type
        self.contentType = contentType
        self.correlationID = correlationID
        self.timestamp = timestamp
        self.appID = appID
        self.headers = headers
        self.deliveryMode = deliveryMode
    }
}
