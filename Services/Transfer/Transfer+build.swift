import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the transfer service; tests build the same thing.
///
/// Transfer-specific configuration, beyond ``ServiceConfiguration``:
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_OFFER_TIMEOUT` | `30` (1–3600): seconds an agent has to accept or reject an offer |
/// | `SWITCHBOARD_STREAM_*` | the live stream's limits (``StreamSettings``) |
///
/// Services: the ``OfferExpiryScheduler`` (durable offer timers) runs once migrations are
/// applied, next to the consumer of `transfer.events` and the HTTP API; the
/// ``DeskStreamHub`` feeds the desktops' live streams (`GET /v1/stream`).
struct Transfer: SwitchboardService {
    static let name = "transfer"
    static let defaultPort = 8083

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]
    let background: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Transfer {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let environment = bootstrap.environment
        let offerTimeout = try environment.int("SWITCHBOARD_OFFER_TIMEOUT", default: 30, in: 1...3600)
        let streamSettings = try StreamSettings(environment: environment)

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "transfer", migrations: TransferMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let store = PostgresTransferStore(schema: runtime.schema)
        let commands = TransferCommands(
            store: store, outbox: runtime.outbox, participants: InteractionParticipants(schema: runtime.schema), offerTimeout: offerTimeout,
            logger: logger
        )
        let transactions = runtime.transactions()
        let validator = TransferRequestValidator()

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        DirectoryRoutes(
            store: store, commands: commands, transactions: transactions, validator: validator, client: runtime.postgres,
            logger: logger
        ).register(on: router)
        OfferRoutes(
            store: store, commands: commands, transactions: transactions, validator: validator, client: runtime.postgres,
            logger: logger
        ).register(on: router)
        SupervisorRoutes(store: store, client: runtime.postgres, logger: logger).register(on: router)
        let gate = runtime.startup
        let hub = DeskStreamHub(
            feed: PostgresDeskFeed(schema: runtime.schema), tickets: PostgresStreamTickets(schema: runtime.schema),
            queueCounts: PostgresQueueCounts(schema: runtime.schema), client: runtime.postgres, settings: streamSettings, logger: logger,
            waitUntilReady: { await gate.wait() }, reading: runtime.progress.monitor("desk feed reads"),
            listening: runtime.progress.monitor("desk feed listen", stallAfter: .seconds(30))
        )
        StreamRoutes(hub: hub, logger: logger).register(on: router)

        let events = TransferEventHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: .transferEvents))
        // One interaction's events in order (correlation_id is the interaction id).
        let consumers: [any Service] = [
            runtime.batchConsumer(queue: .transferEvents, orderingKey: { $0.properties.correlationID }) { await events.handle(batch: $0) }
        ]
        let scheduler = DeadlineLoop(
            name: "offer expiry scheduler",
            timer: OfferExpiryScheduler(client: runtime.postgres, outbox: runtime.outbox, store: store, commands: commands, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        logger.info(
            "transfer configured",
            metadata: [
                "offer_timeout_seconds": "\(offerTimeout)", "stream_heartbeat_seconds": "\(streamSettings.heartbeat.components.seconds)",
                "stream_max_connections": "\(streamSettings.maxConnections)",
            ])
        return Transfer(runtime: runtime, router: router, consumers: consumers, background: [scheduler, hub])
    }

}
