import Foundation
import Hummingbird
import Logging
import Prometheus
import SwitchboardDatabase
import SwitchboardServiceKit

/// The wiring of the media service. Its platform is complete (configuration, schema
/// `media` migrated, queues declared, health, metrics, OpenAPI, graceful shutdown); its
/// domain operations arrive with their own issue, and until then no endpoint pretends to
/// exist. Messages routed to its queues wait there, durable, for its consumers.
struct Media {
    let runtime: ServiceRuntime
    let router: Router<BasicRequestContext>

    static func build(configuration: ServiceConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) async -> Media {
        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "media", migrations: [], logger: logger, registry: registry
        )
        return Media(runtime: runtime, router: runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module)))
    }

    func run() async throws {
        try await runtime.run(router: router, consumers: [])
    }
}
