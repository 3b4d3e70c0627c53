import Foundation

/// Where and how to connect to RabbitMQ.
public struct AMQPConfiguration: Sendable, Equatable {
    /// The brokers to use, in order of preference: the nodes of a cluster (section 10.5).
    /// The connection uses the first that answers and moves to the next when its node goes
    /// away; never empty.
    public var endpoints: [AMQPEndpoint]
    /// The first endpoint's host.
    public var host: String { endpoints[0].host }
    /// The first endpoint's port.
    public var port: Int { endpoints[0].port }
    public var user: String
    public var password: String
    public var virtualHost: String
    /// Heartbeat interval negotiated with the broker, in seconds.
    public var heartbeatSeconds: Int
    /// Longest wait between reconnection attempts (2 s: a broker that comes back is used
    /// again within about 2 s; an attempt against a broker that is down costs nothing).
    public var maxReconnectDelay: Duration
    /// How many publishes may await their confirm at once.
    public var confirmWindow: Int
    /// How long a publish waits for its confirm before it fails as
    /// ``AMQPError/confirmTimedOut`` (a broker that never answers must not hold a caller,
    /// such as the outbox relay, forever).
    public var confirmTimeout: Duration
    /// Shown in the broker's connection list (`rabbitmqctl list_connections client_properties`).
    public var connectionName: String

    /// The name of the connection's thread as the system shows it (`/proc/<pid>/task/*/comm`,
    /// `top -H`, the thread dumps the tools take of a service that does not stop): `amqp-`
    /// and ``connectionName``, cut to the 15 bytes Linux keeps (``CurrentThread``), so the
    /// thread blocked on the broker's socket is found by its name.
    public var threadName: String { CurrentThread.systemName("amqp-\(connectionName)") }

    public init(
        host: String = "127.0.0.1",
        port: Int = 5672,
        user: String = "guest",
        password: String = "guest",
        virtualHost: String = "/",
        heartbeatSeconds: Int = 30,
        maxReconnectDelay: Duration = .seconds(2),
        confirmWindow: Int = 2048,
        confirmTimeout: Duration = .seconds(30),
        connectionName: String = "switchboard"
    ) {
        self.endpoints = [AMQPEndpoint(host: host, port: port)]
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
        self.heartbeatSeconds = heartbeatSeconds
        self.maxReconnectDelay = maxReconnectDelay
        self.confirmWindow = confirmWindow
        self.confirmTimeout = confirmTimeout
        self.connectionName = connectionName
    }

    /// Parses `amqp://user:password@host:port/vhost?heartbeat=30` (the vhost
    /// percent-encoded, `%2F` = `/`), or a comma-separated list of such URLs, one per node
    /// of a cluster, which must agree on everything but host and port. `heartbeat` (1–600
    /// s, default 30), as in RabbitMQ's URI query parameters, sets how soon a half-open
    /// connection is noticed: after two missed heartbeats the connection is closed and
    /// opened again. Other parameters are refused, so a mistyped one does not pass silently.
    public init(url: String, connectionName: String = "switchboard") throws(AMQPConfigurationError) {
        let items = url.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else { throw .invalidURL("an empty address in the list") }
        var parsed: [AMQPConfiguration] = []
        for item in items { parsed.append(try Self(single: item, connectionName: connectionName)) }
        var first = parsed[0]
        for other in parsed.dropFirst() {
            var comparable = other
            comparable.endpoints = first.endpoints
            guard comparable == first else {
                throw .invalidURL("every URL of the list must have the same user, password, virtual host and parameters")
            }
            first.endpoints += other.endpoints
        }
        guard Set(first.endpoints.map(\.description)).count == first.endpoints.count else {
            throw .invalidURL("a broker address is listed twice")
        }
        self = first
    }

    private init(single url: String, connectionName: String) throws(AMQPConfigurationError) {
        guard let components = URLComponents(string: url), components.scheme == "amqp" else {
            throw .invalidURL("expected amqp://user:password@host:port/vhost")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("missing host") }
        let port = components.port ?? 5672
        guard (1...65535).contains(port) else { throw .invalidURL("port out of range") }
        let path = components.percentEncodedPath
        var vhost = "/"
        if path.count > 1 {
            guard let decoded = String(path.dropFirst()).removingPercentEncoding else {
                throw .invalidURL("virtual host is not valid percent-encoding")
            }
            vhost = decoded
        }
        var heartbeat = 30
        for item in components.queryItems ?? [] {
            switch item.name {
            case "heartbeat":
                guard let value = item.value.flatMap({ Int($0) }), (1...600).contains(value) else {
                    throw .invalidURL("heartbeat must be a whole number of seconds from 1 to 600")
                }
                heartbeat = value
            default:
                throw .invalidURL("unknown parameter '\(item.name)' (supported: heartbeat)")
            }
        }
        self.init(
            host: host,
            port: port,
            user: components.user.flatMap { $0.removingPercentEncoding } ?? "guest",
            password: components.password.flatMap { $0.removingPercentEncoding } ?? "guest",
            virtualHost: vhost,
            heartbeatSeconds: heartbeat,
            connectionName: connectionName
        )
    }
}

/// A malformed AMQP URL; the reason never contains the password.
public enum AMQPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid AMQP URL: \(reason)"
        }
    }
}
