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
        let messages = runtime.consumer(queue: "ingest.messages") { delivery in
            await InboundMessageHandler(acceptor: acceptor).handle(delivery)
        }
        return Ingest(runtime: runtime, router: router, consumers: [messages])
    }

    func run() async throws {
        try await runtime.run(router: router, consumers: consumers)
    }
}
