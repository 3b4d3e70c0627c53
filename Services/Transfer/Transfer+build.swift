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
///
/// Services: the ``OfferExpiryScheduler`` (durable offer timers) runs once migrations are
/// applied, next to the consumer of `transfer.events` and the HTTP API.
struct Transfer {
    let runtime: ServiceRuntime
    let router: Router<BasicRequestContext>
    let consumers: [any Service]
    let scheduler: OfferExpiryScheduler

    static func build(configuration: ServiceConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) async throws -> Transfer {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let offerTimeout = try environment.int("SWITCHBOARD_OFFER_TIMEOUT", default: 30, in: 1...3600)

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "transfer", migrations: TransferMigrations.all, logger: logger, registry: registry
        )
        let store = PostgresTransferStore(schema: runtime.schema)
        let commands = TransferCommands(
            store: store, outbox: runtime.outbox, participants: InteractionParticipants(schema: runtime.schema), offerTimeout: offerTimeout,
            logger: logger
        )
        let transactions = TransferTransactions(client: runtime.postgres, outbox: runtime.outbox, logger: logger)
        let validator = TransferRequestValidator()

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        DirectoryRoutes(
            store: store, commands: commands, transactions: transactions, validator: validator, client: runtime.postgres,
            authenticator: runtime.authenticator, logger: logger
        ).register(on: router)
        OfferRoutes(
            store: store, commands: commands, transactions: transactions, validator: validator, client: runtime.postgres,
            authenticator: runtime.authenticator, logger: logger
        ).register(on: router)

        let events = TransferEventHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: "transfer.events"))
        // One interaction's events in order (correlation_id is the interaction id).
        let consumers: [any Service] = [
            runtime.consumer(queue: "transfer.events", orderingKey: { $0.properties.correlationID }) { await events.handle($0) },
        ]
        let gate = runtime.startup
        let scheduler = OfferExpiryScheduler(
            client: runtime.postgres, outbox: runtime.outbox, store: store, commands: commands, gate: { await gate.wait() }, logger: logger
        )
        logger.info("transfer configured", metadata: ["offer_timeout_seconds": "\(offerTimeout)"])
        return Transfer(runtime: runtime, router: router, consumers: consumers, scheduler: scheduler)
    }

    func run() async throws {
        try await runtime.run(router: router, consumers: consumers, extra: [scheduler])
    }
}
