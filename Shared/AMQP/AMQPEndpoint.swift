/// One broker address (`host:port`) of ``AMQPConfiguration/endpoints``: a node of a
/// RabbitMQ cluster the service may connect to.
public struct AMQPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
