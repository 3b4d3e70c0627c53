/// A router-test request that got no answer in time.
///
/// Router tests exercise only paths that answer before any query or publish. A service
/// built by ``TestBootstrap`` never runs its PostgreSQL client, so a request that does
/// reach the database waits for a connection forever; the deadline of
/// ``TestClientProtocol/send(_:_:token:json:headers:deadline:)`` ends that wait and fails
/// the test with this error instead of hanging the suite.
public struct RequestDeadlineExceeded: Error, CustomStringConvertible {
    public let method: String
    public let uri: String
    public let deadline: Duration

    public init(method: String, uri: String, deadline: Duration) {
        self.method = method
        self.uri = uri
        self.deadline = deadline
    }

    public var description: String {
        "\(method) \(uri) got no answer within \(deadline): it probably waits for PostgreSQL or RabbitMQ, "
            + "which a router test must never reach (the path is not one that fails before any I/O)"
    }
}
