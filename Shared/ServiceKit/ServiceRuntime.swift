import Foundation
public import Hummingbird
public import Logging
import Metrics
public import PostgresNIO
public import Prometheus
public import ServiceLifecycle
public import SwitchboardAMQP
public import SwitchboardDatabase
import UnixSignals

/// Everything a Switchboard service shares: its configuration, logger, PostgreSQL pool,
/// the two AMQP connections (one consumes, one publishes), inbox and outbox of its own
/// schema, authentication, start-up gate and metrics registry. A service's
/// `<Name>+build.swift` creates one, adds its routes and consumers, and runs it.
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let registry: PrometheusCollectorRegistry
    public let postgres: PostgresClient
    public let consumeConnection: AMQPConnection
    public let publishConnection: AMQPConnection
    public let schema: String
    public let inbox: Inbox
    public let outbox: Outbox
    public let authenticator: Authenticator
    public let startup: StartupGate
    public let migrations: MigrationRunner
    /// Whether the work pool gets an answer from PostgreSQL within a second: consumers telling
    /// an outage from a message that fails on its own. It waits on the pool on purpose: a
    /// message that failed because the pool was saturated must not spend a delivery attempt.
    public let databaseProbe: DatabaseProbe
    /// Whether PostgreSQL answers within a second on a connection of its own, for
    /// `/health/ready`: a replica busy enough to fill its pool is still ready.
    public let readinessProbe: DatabaseProbe
    /// The readiness probe's one-connection client (run with the other services).
    let readinessPostgres: PostgresClient
    /// The watchdogs of the consumers and the outbox relay, for readiness.
    public let progress: ProgressRegistry

    public init(
        configuration: ServiceConfiguration, schema: String, migrations: [Migration], logger: Logger,
        registry: PrometheusCollectorRegistry
    ) async {
        self.configuration = configuration
        self.logger = logger
        self.registry = registry
        self.schema = schema
        self.postgres = PostgresClient(configuration: configuration.database.clientConfiguration, backgroundLogger: logger)
        // Session consumes the partitions, so it alone removes those above its count.
        let topology = SwitchboardTopology.topology(
            deliveryLimit: configuration.deliveryLimit, sessionPartitions: configuration.sessionPartitions,
            removesSurplusPartitions: configuration.service == "session")
        var consumeConfiguration = configuration.amqp
        consumeConfiguration.connectionName = "\(configuration.service)-consume"
        var publishConfiguration = configuration.amqp
        publishConfiguration.connectionName = "\(configuration.service)-publish"
        self.consumeConnection = AMQPConnection(configuration: consumeConfiguration, topology: topology, logger: logger)
        self.publishConnection = AMQPConnection(configuration: publishConfiguration, topology: topology, logger: logger)
        self.inbox = Inbox(schema: schema)
        self.outbox = Outbox(schema: schema)
        self.authenticator = await Authenticator(secret: configuration.jwtSecret)
        self.startup = StartupGate()
        self.databaseProbe = DatabaseProbe(client: postgres, logger: logger)
        self.readinessPostgres = PostgresClient(
            configuration: configuration.database.readinessClientConfiguration, backgroundLogger: logger)
        self.readinessProbe = DatabaseProbe(client: readinessPostgres, logger: logger)
        self.progress = ProgressRegistry()
        self.migrations = MigrationRunner(schema: schema, migrations: Migration.messagingMigrations(schema: schema) + migrations)
    }

    /// A router with the health, metrics and OpenAPI routes already on it.
    public func makeRouter(openAPI: String) -> Router<SwitchboardRequestContext> {
        let router = Router(context: SwitchboardRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: UnexpectedErrorMiddleware(logger: logger))
        router.add(middleware: NULCharacterMiddleware())
        router.add(middleware: RequestIdentityMiddleware(authenticator: authenticator))
        HealthRoutes(
            service: configuration.service, probe: readinessProbe, connections: [consumeConnection, publishConnection],
            gate: startup, progress: progress, registry: registry, openAPI: openAPI, logger: logger
        ).register(on: router)
        return router
    }

    /// Runs a request's work in one transaction of this service's schema (``ServiceTransactions``).
    public func transactions(mapError: @escaping @Sendable (any Error) -> (any Error)? = { _ in nil }) -> ServiceTransactions {
        ServiceTransactions(client: postgres, outbox: outbox, logger: logger, mapError: mapError)
    }

    /// A handler running `effect` in a transaction with inbox dedup, for consumers.
    /// Its inbox records carry the queue's name.
    public func transactionalHandler(consumer queue: QueueName) -> TransactionalHandler {
        TransactionalHandler(client: postgres, inbox: inbox, outbox: outbox, consumer: queue.rawValue, logger: logger)
    }

    /// How consumers retry: a message failing on its own is tried `SWITCHBOARD_DELIVERY_LIMIT`
    /// times here before it is dead-lettered (``RedeliveryPolicy``).
    public var redelivery: RedeliveryPolicy { RedeliveryPolicy(localAttempts: configuration.deliveryLimit) }

    /// A consumer of `queue` that starts once migrations are applied.
    public func consumer(
        queue: QueueName,
        orderingKey: @escaping @Sendable (AMQPDelivery) -> String? = { _ in nil },
        handler: @escaping AMQPConsumer.Handler
    ) -> AMQPConsumer {
        let gate = startup
        return AMQPConsumer(
            connection: consumeConnection, publisher: publishConnection, queue: queue.rawValue,
            prefetch: UInt16(clamping: configuration.prefetch), concurrency: configuration.consumerConcurrency,
            source: configuration.service, logger: logger, waitUntilReady: { await gate.wait() },
            dependenciesHealthy: { [databaseProbe] in await databaseProbe.isReachable() }, redelivery: redelivery,
            progress: progress.monitor("consumer \(queue.rawValue)"), orderingKey: orderingKey, handler: handler
        )
    }

    /// A consumer whose handler takes batches of deliveries (each ordering key's in delivery order), so it
    /// can commit many messages in one transaction. `SWITCHBOARD_CONSUMER_BATCH` bounds them,
    /// `SWITCHBOARD_BATCH_CONCURRENCY` how many run at once, `SWITCHBOARD_BATCH_LINGER_MS`
    /// how long a free worker waits for more while they stream in (``BatchLinger``).
    public func batchConsumer(
        queue: QueueName,
        orderingKey: @escaping @Sendable (AMQPDelivery) -> String? = { _ in nil },
        handler: @escaping AMQPConsumer.BatchHandler
    ) -> AMQPConsumer {
        let gate = startup
        return AMQPConsumer(
            connection: consumeConnection, publisher: publishConnection, queue: queue.rawValue,
            prefetch: UInt16(clamping: configuration.prefetch), concurrency: configuration.batchConcurrency,
            source: configuration.service, logger: logger, waitUntilReady: { await gate.wait() },
            dependenciesHealthy: { [databaseProbe] in await databaseProbe.isReachable() }, redelivery: redelivery,
            progress: progress.monitor("consumer \(queue.rawValue)"), orderingKey: orderingKey, maxBatch: configuration.consumerBatch,
            linger: configuration.batchLinger, batchHandler: handler
        )
    }

    /// The ordered services: infrastructure first, HTTP last, so graceful shutdown (which
    /// runs in reverse) stops taking requests and deliveries first, drains the outbox,
    /// then closes the broker and database connections.
    public func services(router: Router<SwitchboardRequestContext>, consumers: [any Service], extra: [any Service] = []) -> [any Service] {
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: nil),
            logger: logger
        )
        let relay = OutboxRelay(
            client: postgres, database: configuration.database, outbox: outbox, publisher: publishConnection, service: configuration.service,
            logger: logger,
            progress: progress.monitor("outbox relay"), listening: progress.monitor("outbox listen", stallAfter: .seconds(30)),
            waitUntilReady: { [startup] in await startup.wait() }
        )
        let migration = MigrationService(client: postgres, runner: migrations, gate: startup, logger: logger)
        let janitor = MessagingJanitor(
            client: postgres, schema: schema, inboxRetentionHours: configuration.inboxRetentionHours,
            waitUntilReady: { [startup] in await startup.wait() }, logger: logger
        )
        // The consumers as one service: on SIGTERM they all stop taking deliveries at once.
        let consumerSet: [any Service] = consumers.isEmpty ? [] : [ConsumerSet(consumers)]
        // The pools close last, each within a limit (``PostgresPoolService``).
        let pools: [any Service] = [
            PostgresPoolService(client: postgres, name: "database", logger: logger),
            PostgresPoolService(client: readinessPostgres, name: "readiness", logger: logger),
        ]
        return pools + [consumeConnection, publishConnection, migration, relay, janitor] + extra + consumerSet + [application]
    }

    /// The group's parts, each named by its type (a second of a type gets `#2`).
    /// ServiceLifecycle names a part by its description otherwise, which for a struct is
    /// every field: the database configuration's password included, in its logs and in
    /// the error of a part that stops unexpectedly.
    static func named(_ services: [any Service]) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var seen: [String: Int] = [:]
        return services.map { service in
            let type = String(describing: Swift.type(of: service))
            let count = seen[type, default: 0] + 1
            seen[type] = count
            return .init(service: service, serviceName: count == 1 ? type : "\(type)#\(count)")
        }
    }

    /// The service group's logger. ServiceLifecycle logs each part's start and, at
    /// shutdown, each part it asks to stop and each that finished, at `debug`: about forty
    /// lines in a process's life, and the only record of which part holds a shutdown that
    /// misses its deadline (ServiceLifecycle then traps). So they are written at the `info`
    /// level's verbosity too (with their own `debug` level in the line).
    static func lifecycleLogger(_ logger: Logger) -> Logger {
        var lifecycle = logger
        if lifecycle.logLevel == .info { lifecycle.logLevel = .debug }
        return lifecycle
    }

    /// Runs the services until SIGTERM/SIGINT, then shuts down gracefully within 10 s.
    public func run(router: Router<SwitchboardRequestContext>, consumers: [any Service], extra: [any Service] = []) async throws {
        var groupConfiguration = ServiceGroupConfiguration(
            services: Self.named(services(router: router, consumers: consumers, extra: extra)),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Self.lifecycleLogger(logger)
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(9)
        groupConfiguration.maximumCancellationDuration = .seconds(1)
        let group = ServiceGroup(configuration: groupConfiguration)
        logger.info("starting", metadata: ["http_port": "\(configuration.httpPort)"])
        do {
            try await group.run()
        } catch {
            logger.error("stopped by an error", metadata: ["reason": "\(error)"])
            await JSONLogHandler.flushed()
            throw error
        }
        logger.info("stopped")
        await JSONLogHandler.flushed()
    }
}
