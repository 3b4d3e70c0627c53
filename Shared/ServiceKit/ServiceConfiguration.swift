public import Logging
import NIOCore
public import SwitchboardAMQP
public import SwitchboardDatabase
import SwitchboardModels

/// The settings every service shares (docs/architecture.md section 6), read from the environment
/// and validated at start: a service with a missing or bad value does not start.
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_AMQP_URL` | `amqp://guest:guest@127.0.0.1:5672/%2F` |
/// | `SWITCHBOARD_POSTGRES_URL` | `postgres://switchboard:switchboard@127.0.0.1:5432/switchboard` |
/// | `SWITCHBOARD_HTTP_HOST` | `0.0.0.0` |
/// | `SWITCHBOARD_HTTP_PORT` | the service's own (8081–8086) |
/// | `SWITCHBOARD_JWT_SECRET` | required, at least 32 characters |
/// | `SWITCHBOARD_LOG_LEVEL` | `info` |
/// | `SWITCHBOARD_DEFAULT_REGION` | `US` |
/// | `SWITCHBOARD_DELIVERY_LIMIT` | `5` |
/// | `SWITCHBOARD_PREFETCH` | `256` |
/// | `SWITCHBOARD_CONSUMER_CONCURRENCY` | `8` (deliveries a one-message-per-transaction consumer handles at once) |
/// | `SWITCHBOARD_BATCH_CONCURRENCY` | the CPUs the process may use, at least 2 (``defaultBatchConcurrency(cores:)``) |
/// | `SWITCHBOARD_CONSUMER_BATCH` | `50` (deliveries committed in one transaction at most) |
/// | `SWITCHBOARD_BATCH_LINGER_MS` | `0` (0–100: how long a free batch worker waits for more deliveries while they stream in, ``batchLinger``) |
/// | `SWITCHBOARD_POSTGRES_POOL_SIZE` | `20` |
/// | `SWITCHBOARD_INBOX_RETENTION_HOURS` | `168` (24–8760: how long a consumed message id is remembered for dedup) |
/// | `SWITCHBOARD_EXECUTOR` | `standard` (where Swift concurrency runs, ``ConcurrencyExecutor``; or `event-loops`) |
public struct ServiceConfiguration: Sendable {
    public var service: String
    public var amqp: AMQPConfiguration
    public var database: DatabaseConfiguration
    public var httpHost: String
    public var httpPort: Int
    public var jwtSecret: String
    public var logLevel: Logger.Level
    public var defaultRegion: String
    public var deliveryLimit: Int
    public var prefetch: Int
    public var consumerConcurrency: Int
    /// Batches a batch consumer (``ServiceRuntime/batchConsumer(queue:orderingKey:handler:)``) handles at once.
    public var batchConcurrency: Int
    public var consumerBatch: Int
    /// How long a free worker of a batch consumer may wait for more deliveries to join its
    /// batch (``BatchLinger``): fewer, larger transactions at a moderate load.
    public var batchLinger: BatchLinger
    /// `SWITCHBOARD_SESSION_PARTITIONS`: how many partition queues carry session's inbound
    /// messages (``SwitchboardTopology/defaultSessionPartitions``). Every service declares
    /// the topology, so every service must be given the same count (section 6).
    public var sessionPartitions: Int
    /// How long the inbox remembers a consumed message id (``MessagingJanitor``).
    public var inboxRetentionHours: Int
    /// Where the process's Swift concurrency jobs run, installed by ``ProcessBootstrap``.
    public var executor: ConcurrencyExecutor

    /// Batches a batch consumer handles at once by default: one per CPU the process may use
    /// (`System.coreCount` honours a container's CPU quota), at least 2 so that one batch's
    /// round trips overlap another's work. Their work is CPU and database work: more than
    /// the cores only adds transactions that wait for each other and splits what is waiting
    /// into smaller batches — more statements per message (on 2 cores, 8 gave about a fifth
    /// less throughput than 2; docs/benchmark.md). Consumers that take one message per
    /// transaction, some of them waiting on the network (media fetches), keep
    /// `SWITCHBOARD_CONSUMER_CONCURRENCY`.
    public static func defaultBatchConcurrency(cores: Int) -> Int {
        min(256, max(2, cores))
    }

    public init(service: String, defaultPort: Int, environment: EnvironmentVariables) throws(ConfigurationError) {
        self.service = service
        let amqpURL = environment.string("SWITCHBOARD_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5672/%2F")
        do {
            amqp = try AMQPConfiguration(url: amqpURL, connectionName: service)
        } catch {
            throw .invalid(variable: "SWITCHBOARD_AMQP_URL", reason: error.description)
        }
        let poolSize = try environment.int("SWITCHBOARD_POSTGRES_POOL_SIZE", default: 20, in: 2...500)
        let postgresURL = environment.string(
            "SWITCHBOARD_POSTGRES_URL", default: "postgres://switchboard:switchboard@127.0.0.1:5432/switchboard"
        )
        do {
            database = try DatabaseConfiguration(url: postgresURL, maxConnections: poolSize)
        } catch {
            throw .invalid(variable: "SWITCHBOARD_POSTGRES_URL", reason: error.description)
        }
        httpHost = environment.string("SWITCHBOARD_HTTP_HOST", default: "0.0.0.0")
        httpPort = try environment.int("SWITCHBOARD_HTTP_PORT", default: defaultPort, in: 1...65535)
        jwtSecret = try environment.required("SWITCHBOARD_JWT_SECRET")
        guard jwtSecret.utf8.count >= 32 else {
            throw .invalid(variable: "SWITCHBOARD_JWT_SECRET", reason: "must be at least 32 characters (HS256 key)")
        }
        let level = try environment.choice(
            "SWITCHBOARD_LOG_LEVEL", default: "info",
            allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        )
        logLevel = Logger.Level(rawValue: level) ?? .info
        defaultRegion = environment.string("SWITCHBOARD_DEFAULT_REGION", default: "US").uppercased()
        guard PhoneRegion.named(defaultRegion) != nil else {
            throw .invalid(variable: "SWITCHBOARD_DEFAULT_REGION", reason: "unknown region code (ISO 3166 alpha-2, e.g. US, GB)")
        }
        deliveryLimit = try environment.int("SWITCHBOARD_DELIVERY_LIMIT", default: 5, in: 1...100)
        prefetch = try environment.int("SWITCHBOARD_PREFETCH", default: 256, in: 1...10_000)
        consumerConcurrency = try environment.int("SWITCHBOARD_CONSUMER_CONCURRENCY", default: 8, in: 1...256)
        batchConcurrency = try environment.int(
            "SWITCHBOARD_BATCH_CONCURRENCY", default: Self.defaultBatchConcurrency(cores: System.coreCount), in: 1...256
        )
        consumerBatch = try environment.int("SWITCHBOARD_CONSUMER_BATCH", default: 50, in: 1...1000)
        batchLinger = BatchLinger(window: .milliseconds(try environment.int("SWITCHBOARD_BATCH_LINGER_MS", default: 0, in: 0...100)))
        sessionPartitions = try environment.int(
            "SWITCHBOARD_SESSION_PARTITIONS", default: SwitchboardTopology.defaultSessionPartitions, in: 1...SwitchboardTopology.maxSessionPartitions)
        inboxRetentionHours = try environment.int("SWITCHBOARD_INBOX_RETENTION_HOURS", default: 168, in: 24...8760)
        let executor = try environment.choice(
            "SWITCHBOARD_EXECUTOR", default: ConcurrencyExecutor.standard.rawValue,
            allowed: ConcurrencyExecutor.allCases.map(\.rawValue)
        )
        self.executor = ConcurrencyExecutor(rawValue: executor) ?? .standard
    }
}
