import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the ingest service; tests build the same thing.
struct Ingest {
    let runtime: ServiceRuntime
    let router: Router<BasicRequestContext>
    let consumers: [any Service]

    static func build(configuration: ServiceConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) async -> Ingest {
        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "ingest", migrations: IngestMigrations.all, logger: logger, registry: registry
        )
        let acceptor = InboundAcceptor(
            validator: InboundValidator(defaultRegion: configuration.defaultRegion),
            store: PostgresInboundStore(schema: runtime.schema),
            client: runtime.postgres,
            outbox: runtime.outbox,
            logger: logger
        )
        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        InboundRoutes(acceptor: acceptor, authenticator: runtime.authenticator).register(on: router)
        let ordering = InboundOrderingKey(defaultRegion: configuration.defaultRegion)
        let handler = InboundMessageHandler(acceptor: acceptor, client: runtime.postgres, logger: logger)
        let messages = runtime.batchConsumer(queue: "ingest.messages", orderingKey: { ordering.key(for: $0.body) }) {
            await handler.handle(batch: $0)
        }
        return Ingest(runtime: runtime, router: router, consumers: [messages])
    }

    func run() async throws {
        try await runtime.run(router: router, consumers: consumers)
    }
}
