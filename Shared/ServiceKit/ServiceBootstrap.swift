public import Logging
public import Prometheus

/// What a service's `build` starts from: the validated shared configuration, the
/// environment its own variables are read from, its logger and metrics registry.
///
/// Executables get theirs from ``ProcessBootstrap/start(service:defaultPort:)``; tests make
/// one from a dictionary, so a service is built the same way in both.
public struct ServiceBootstrap: Sendable {
    public let configuration: ServiceConfiguration
    /// The process's environment, for the variables only one service reads.
    public let environment: EnvironmentVariables
    public let logger: Logger
    public let registry: PrometheusCollectorRegistry

    public init(
        configuration: ServiceConfiguration, environment: EnvironmentVariables, logger: Logger, registry: PrometheusCollectorRegistry
    ) {
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
        self.registry = registry
    }
}
