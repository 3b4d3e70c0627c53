import Foundation
import Logging
import Metrics
import Prometheus

/// Process-wide set-up done once by each executable's `main`: JSON logging, the
/// Prometheus registry behind swift-metrics, and the validated configuration. A bad
/// configuration ends the process with one log line naming the variable.
public enum ProcessBootstrap {
    public static func start(service: String, defaultPort: Int) -> ServiceBootstrap {
        let environment = EnvironmentVariables(ProcessInfo.processInfo.environment)
        let level = Logger.Level(rawValue: environment.string("SWITCHBOARD_LOG_LEVEL", default: "info").lowercased()) ?? .info
        LogLineWriter.standardOutput.name(service: service)
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: service, level: level) }
        let logger = Logger(label: service)
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration(service: service, defaultPort: defaultPort, environment: environment)
        } catch {
            logger.critical("\(error.description)")
            JSONLogHandler.flush()
            exit(2)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return ServiceBootstrap(configuration: configuration, environment: environment, logger: logger, registry: registry)
    }
}
