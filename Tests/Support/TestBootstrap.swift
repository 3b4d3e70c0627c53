public import Foundation
public import Logging
import Prometheus
public import SwitchboardServiceKit

/// The ``ServiceBootstrap`` a router test builds a service from: what
/// `ProcessBootstrap.start` makes from the process's environment, made here from a
/// dictionary, so a test never depends on (or leaks into) the environment it runs in.
///
/// The defaults are a configuration every service accepts and that reaches nothing:
/// PostgreSQL and RabbitMQ on port 1 of 127.0.0.1, where nothing listens and nothing needs
/// to, because a service connects only when it runs (`build` opens no connection, and a
/// router test never runs the service). A request that reaches the database waits for a
/// connection that never comes; ``TestClientProtocol/send(_:_:token:json:headers:deadline:)``
/// turns that into a failure rather than a hang.
///
/// ```swift
/// let callback = try await Callback.build(TestBootstrap.make(
///     service: "callback", defaultPort: 8085, environment: ["SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS": "7"]
/// ))
/// ```
public enum TestBootstrap {
    /// PostgreSQL where nothing answers (port 1); never connected to by router tests.
    public static let unreachablePostgresURL = "postgres://switchboard:switchboard@127.0.0.1:1/switchboard_router_tests"
    /// RabbitMQ where nothing answers (port 1); never connected to by router tests.
    public static let unreachableAMQPURL = "amqp://switchboard:switchboard@127.0.0.1:1/%2F"

    /// The variables every test service gets unless a test overrides them.
    public static let defaults: [String: String] = [
        "SWITCHBOARD_JWT_SECRET": TestTokens.defaultSecret,
        "SWITCHBOARD_POSTGRES_URL": unreachablePostgresURL,
        "SWITCHBOARD_AMQP_URL": unreachableAMQPURL,
        "SWITCHBOARD_HTTP_HOST": "127.0.0.1",
        "SWITCHBOARD_LOG_LEVEL": "critical",
        "SWITCHBOARD_DEFAULT_REGION": "US",
        "SWITCHBOARD_POSTGRES_POOL_SIZE": "2",
        "SWITCHBOARD_CONSUMER_CONCURRENCY": "1",
        "SWITCHBOARD_BATCH_CONCURRENCY": "1",
    ]

    /// ``defaults`` with `overrides` on top. An override of `""` unsets a variable (every
    /// reader treats an empty value as unset), e.g. `["SWITCHBOARD_JWT_SECRET": ""]`.
    public static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        defaults.merging(overrides) { _, override in override }
    }

    /// The bootstrap of `service` (its name, as in logs: `callback`) from ``defaults`` plus
    /// `overrides`, with a silent logger and a registry of its own.
    ///
    /// - Throws: ``ConfigurationError`` when the variables are not a valid configuration,
    ///   exactly as the executable would refuse to start.
    public static func make(
        service: String, defaultPort: Int, environment overrides: [String: String] = [:]
    ) throws -> ServiceBootstrap {
        let variables = EnvironmentVariables(environment(overrides))
        let configuration = try ServiceConfiguration(service: service, defaultPort: defaultPort, environment: variables)
        return ServiceBootstrap(
            configuration: configuration, environment: variables, logger: logger(label: service), registry: PrometheusCollectorRegistry()
        )
    }

    /// A logger that writes nothing: the expected refusals of router tests are not news,
    /// and PostgresNIO warns once per client that it was never run.
    public static func logger(label: String) -> Logger {
        Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// A new, empty directory under the system's temporary directory, for a service that
    /// needs one at build time (media's content store). The caller removes it.
    public static func temporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
