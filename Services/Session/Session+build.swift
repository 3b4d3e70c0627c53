import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the session service; tests build the same thing.
struct Session {
    let runtime: ServiceRuntime
    let router: Router<BasicRequestContext>
    let consumers: [any Service]

    static func build(configuration: ServiceConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) async throws -> Session {
        let settings = try NumberSettingsDefaults(environment: Environment(ProcessInfo.processInfo.environment))
        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "session", migrations: SessionMigrations.all, logger: logger, registry: registry
        )
        let store = PostgresInteractionStore(schema: runtime.schema)
        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        InteractionRoutes(
            store: store, client: runtime.postgres, authenticator: runtime.authenticator,
            defaultRegion: configuration.defaultRegion, logger: logger
        )
            .register(on: router)
        let handler = InboundConversationHandler(
            store: store, outbox: runtime.outbox, defaults: settings, transactions: runtime.transactionalHandler(consumer: "session.events"),
            logger: logger
        )
        let events = runtime.consumer(
            queue: "session.events",
            // Messages of one conversation are handled one at a time, in delivery order.
            orderingKey: { $0.properties.correlationID },
            handler: { await handler.handle($0) }
        )
        return Session(runtime: runtime, router: router, consumers: [events])
    }

    func run() async throws {
        try await runtime.run(router: router, consumers: consumers)
    }
}
