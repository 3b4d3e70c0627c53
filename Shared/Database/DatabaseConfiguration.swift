import Foundation
public import PostgresNIO

/// Where the service's PostgreSQL lives, parsed from `postgres://user:password@host:port/db`.
public struct DatabaseConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// Connections kept by the pool at most.
    public var maxConnections: Int

    public init(url: String, maxConnections: Int = 20) throws(DatabaseConfigurationError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw .invalidURL("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("missing host") }
        guard let user = components.user, !user.isEmpty else { throw .invalidURL("missing user") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty else { throw .invalidURL("missing database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding
        self.database = database
        self.maxConnections = maxConnections
    }

    /// How long the server keeps the outbox relay's connection when it sends nothing.
    public static let outboxRelayIdleTimeout = "90s"

    /// How long a pool keeps a connection above its minimum that nothing uses: 45 s, not
    /// postgres-nio's 60. An idle connection runs its keep-alive `SELECT 1` every 30 s, so
    /// with 60 s the second keep-alive came due a round trip after the idle timeout. When it
    /// fired first, the idle timeout closed the connection under the running keep-alive,
    /// whose query could then be lost with the connection's handlers: a pool task that never
    /// ends, which holds the pool's close at shutdown (``PostgresPoolService``; a race found by
    /// reading postgres-nio 1.33.2, not reproduced). 45 s keeps the two 15 s apart.
    public static let connectionIdleTimeout = Duration.seconds(45)

    /// How long the server lets a transaction wait for its client's next statement.
    public static let idleInTransactionTimeout = "30s"

    /// The postgres-nio client configuration. TLS is off: the database is reached over a
    /// private network (compose) or loopback; see the README to enable it.
    public var clientConfiguration: PostgresClient.Configuration {
        clientConfiguration(maximumConnections: maxConnections, minimumConnections: 2)
    }

    /// One connection of its own, kept open, for readiness: `/health/ready` asks whether the
    /// database answers, and on the work pool a `SELECT 1` waits behind the work, so a busy
    /// replica read as a database outage and was taken out of rotation when it was needed
    /// most (issue #16's drill at 30 SMS/s).
    public var readinessClientConfiguration: PostgresClient.Configuration {
        clientConfiguration(maximumConnections: 1, minimumConnections: 1)
    }

    /// The outbox relay's connection of its own (``OutboxRelay``): it holds the schema's
    /// turn, a session-level lock, across batches, and waits for another replica's turn
    /// without taking a connection from the work pool. Its commits only delete confirmed
    /// rows and record refusals, so they need not wait for the WAL flush
    /// (`synchronous_commit=off`: a commit lost in a crash only republishes rows, which
    /// inboxes absorb); a turn that does not come within a second (`lock_timeout`) is
    /// tried again on the relay's next wake-up. A healthy relay runs statements on every
    /// wake-up (its safety tick is 2 s), except while every batch it may have out awaits
    /// its confirms, which the publisher ends within its confirm timeout (30 s); so a
    /// session silent for ``outboxRelayIdleTimeout`` (90 s, well above both) is a frozen
    /// process or a half-open link: the server ends it (`idle_session_timeout`) and
    /// with it the turn, which the other replicas' relays would otherwise wait for until
    /// TCP noticed (the turn is held outside any transaction, where
    /// `idle_in_transaction_session_timeout` does not reach).
    public var outboxRelayConnectionConfiguration: PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable
        )
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", Self.idleInTransactionTimeout),
            ("synchronous_commit", "off"),
            ("lock_timeout", "1s"),
            ("idle_session_timeout", Self.outboxRelayIdleTimeout),
        ]
        return configuration
    }

    private func clientConfiguration(maximumConnections: Int, minimumConnections: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = minimumConnections
        configuration.options.connectionIdleTimeout = Self.connectionIdleTimeout
        // A transaction whose client went silent (a half-open link, a frozen process) would
        // keep its locks — the outbox relay's advisory lock, a conversation's rows — until
        // the server's TCP noticed, which can be never. Every transaction here has a
        // deadline of at most 15 s on the client side, so the server may end one that has
        // waited 30 s for its client's next statement (issue #19).
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", Self.idleInTransactionTimeout)
        ]
        return configuration
    }
}

/// A malformed database URL; never contains the password.
public enum DatabaseConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid PostgreSQL URL: \(reason)"
        }
    }
}
