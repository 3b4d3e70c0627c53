import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the callback service; tests build the same thing.
///
/// Callback-specific configuration, beyond ``ServiceConfiguration``:
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS` | `365` (1–3650): how far ahead a callback may be due |
///
/// Services: the ``CallbackScheduler`` (durable due-time timers) runs once migrations are
/// applied, next to the consumer of `callback.events` and the HTTP API.
struct Callback: SwitchboardService {
    static let name = "callback"
    static let defaultPort = 8085

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]
    let background: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Callback {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let environment = bootstrap.environment
        let maxAheadDays = try environment.int(
            "SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS", default: DueTimePolicy.defaultMaxAheadDays, in: 1...3650
        )

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "callback", migrations: CallbackMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let store = PostgresCallbackStore(schema: runtime.schema)
        let commands = CallbackCommands(
            store: store, outbox: runtime.outbox, participants: InteractionParticipants(schema: runtime.schema), logger: logger
        )

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        CallbackRoutes(
            store: store, commands: commands, transactions: runtime.transactions(),
            validator: CallbackRequestValidator(defaultRegion: configuration.defaultRegion, policy: DueTimePolicy(maxAheadDays: maxAheadDays)),
            client: runtime.postgres, logger: logger
        ).register(on: router)

        let events = CallbackEventHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: .callbackEvents))
        let consumers: [any Service] = [
            // contact.merged and contact.unmerged both carry the target contact as
            // correlation id: one merge's undo is never applied before (or beside) the merge.
            runtime.consumer(queue: .callbackEvents, orderingKey: { $0.properties.correlationID }) { await events.handle($0) }
        ]
        let gate = runtime.startup
        let scheduler = DeadlineLoop(
            name: "callback scheduler",
            timer: CallbackScheduler(client: runtime.postgres, outbox: runtime.outbox, store: store, commands: commands, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        return Callback(runtime: runtime, router: router, consumers: consumers, background: [scheduler])
    }

}
