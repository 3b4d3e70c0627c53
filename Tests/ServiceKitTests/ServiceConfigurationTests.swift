import NIOCore
import SwitchboardAMQP
import SwitchboardDatabase
import Testing

@testable import SwitchboardServiceKit

@Suite("Service configuration")
struct ServiceConfigurationTests {
    let secret = String(repeating: "s", count: 40)

    @Test func defaultsApplyWhenOnlySecretIsSet() throws {
        let configuration = try ServiceConfiguration(
            service: "ingest", defaultPort: 8081, environment: EnvironmentVariables(["SWITCHBOARD_JWT_SECRET": secret]))
        #expect(configuration.httpPort == 8081)
        #expect(configuration.amqp.host == "127.0.0.1")
        #expect(configuration.amqp.virtualHost == "/")
        #expect(configuration.database.database == "switchboard")
        #expect(configuration.defaultRegion == "US")
        #expect(configuration.deliveryLimit == 5)
        #expect(configuration.consumerConcurrency == 8)
        #expect(configuration.batchConcurrency == ServiceConfiguration.defaultBatchConcurrency(cores: System.coreCount))
        #expect(configuration.executor == .standard)
    }

    /// Swift concurrency runs on Swift's own pool unless an operator chooses NIO's event
    /// loops; anything else is refused at start, naming the variable.
    @Test func theExecutorIsStandardOrEventLoops() throws {
        func executor(_ value: String) throws -> ConcurrencyExecutor {
            try ServiceConfiguration(
                service: "ingest", defaultPort: 8081,
                environment: EnvironmentVariables(["SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_EXECUTOR": value])
            ).executor
        }
        #expect(try executor("standard") == .standard)
        #expect(try executor("Event-Loops") == .eventLoops)
        #expect(!ConcurrencyExecutor.standard.install(), "standard installs nothing")
        let error = #expect(throws: ConfigurationError.self) { _ = try executor("dispatch") }
        #expect(error?.description.contains("SWITCHBOARD_EXECUTOR") == true)
    }

    @Test func batchConcurrencyFollowsTheCoresWithAFloorOfTwo() throws {
        #expect(ServiceConfiguration.defaultBatchConcurrency(cores: 1) == 2)
        #expect(ServiceConfiguration.defaultBatchConcurrency(cores: 2) == 2)
        #expect(ServiceConfiguration.defaultBatchConcurrency(cores: 16) == 16)
        #expect(ServiceConfiguration.defaultBatchConcurrency(cores: 1_000) == 256)
        let configured = try ServiceConfiguration(
            service: "ingest", defaultPort: 8081,
            environment: EnvironmentVariables([
                "SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_BATCH_CONCURRENCY": "8", "SWITCHBOARD_CONSUMER_CONCURRENCY": "3",
            ]))
        #expect(configured.batchConcurrency == 8)
        #expect(configured.consumerConcurrency == 3)
        #expect(throws: ConfigurationError.self) {
            _ = try ServiceConfiguration(
                service: "ingest", defaultPort: 8081,
                environment: EnvironmentVariables([
                    "SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_BATCH_CONCURRENCY": "0",
                ]))
        }
    }

    @Test func batchLingerIsOffUnlessSetAndBounded() throws {
        let unset = try ServiceConfiguration(
            service: "ingest", defaultPort: 8081, environment: EnvironmentVariables(["SWITCHBOARD_JWT_SECRET": secret]))
        #expect(unset.batchLinger == .off)
        let configured = try ServiceConfiguration(
            service: "ingest", defaultPort: 8081,
            environment: EnvironmentVariables(["SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_BATCH_LINGER_MS": "5"]))
        #expect(configured.batchLinger == BatchLinger(window: .milliseconds(5)))
        for bad in ["-1", "101", "5ms"] {
            #expect(throws: ConfigurationError.self) {
                _ = try ServiceConfiguration(
                    service: "ingest", defaultPort: 8081,
                    environment: EnvironmentVariables(["SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_BATCH_LINGER_MS": bad]))
            }
        }
    }

    @Test func parsesURLs() throws {
        let configuration = try ServiceConfiguration(
            service: "session", defaultPort: 8082,
            environment: EnvironmentVariables([
                "SWITCHBOARD_JWT_SECRET": secret,
                "SWITCHBOARD_AMQP_URL": "amqp://app:p%40ss@rabbit.internal:5673/prod",
                "SWITCHBOARD_POSTGRES_URL": "postgres://sb:pw@db:6432/sbdb",
                "SWITCHBOARD_HTTP_PORT": "9000",
            ]))
        #expect(configuration.amqp.user == "app")
        #expect(configuration.amqp.password == "p@ss")
        #expect(configuration.amqp.port == 5673)
        #expect(configuration.amqp.virtualHost == "prod")
        #expect(configuration.database.port == 6432)
        #expect(configuration.database.database == "sbdb")
        #expect(configuration.httpPort == 9000)
    }

    @Test(
        arguments: [
            ([:], "SWITCHBOARD_JWT_SECRET"),
            (["SWITCHBOARD_JWT_SECRET": "short"], "SWITCHBOARD_JWT_SECRET"),
            (["SWITCHBOARD_HTTP_PORT": "eighty"], "SWITCHBOARD_HTTP_PORT"),
            (["SWITCHBOARD_HTTP_PORT": "70000"], "SWITCHBOARD_HTTP_PORT"),
            (["SWITCHBOARD_AMQP_URL": "http://x"], "SWITCHBOARD_AMQP_URL"),
            (["SWITCHBOARD_POSTGRES_URL": "postgres://host-without-user/db"], "SWITCHBOARD_POSTGRES_URL"),
            (["SWITCHBOARD_LOG_LEVEL": "loud"], "SWITCHBOARD_LOG_LEVEL"),
            (["SWITCHBOARD_DEFAULT_REGION": "XX"], "SWITCHBOARD_DEFAULT_REGION"),
            (["SWITCHBOARD_DELIVERY_LIMIT": "0"], "SWITCHBOARD_DELIVERY_LIMIT"),
        ] as [([String: String], String)])
    func badValuesNameTheVariable(overrides: [String: String], variable: String) {
        var values = ["SWITCHBOARD_JWT_SECRET": secret]
        values.merge(overrides) { $1 }
        if overrides.isEmpty { values = [:] }
        do {
            _ = try ServiceConfiguration(service: "x", defaultPort: 1, environment: EnvironmentVariables(values))
            Issue.record("expected a configuration error for \(variable)")
        } catch {
            #expect(error.description.contains(variable))
        }
    }

    @Test func errorNeverContainsSecretValue() {
        let leaked = "amqp://user:TOPSECRET@"
        do {
            _ = try ServiceConfiguration(
                service: "x", defaultPort: 1,
                environment: EnvironmentVariables([
                    "SWITCHBOARD_JWT_SECRET": secret, "SWITCHBOARD_AMQP_URL": leaked,
                ]))
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("TOPSECRET"))
        }
    }
}
