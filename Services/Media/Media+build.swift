import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the media service; tests build the same thing.
///
/// Media-specific configuration is ``MediaSettings`` (store path, size, time and pixel
/// limits, allow-list, carrier credentials, thumbnail size and format). At start the
/// content store is created and checked writable, and libvips is started locked down
/// (``ImageProcessor``); either failing stops the service with one clear log line.
///
/// Consumers: `media.commands` (``MediaCommandHandler``: `media.fetch`) and `media.events`
/// (``MediaEventHandler``: the access projection from `interaction.assigned` and the
/// message → interaction map from `interaction.message.appended`).
struct Media: SwitchboardService {
    static let name = "media"
    static let defaultPort = 8086

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Media {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let environment = bootstrap.environment
        let settings = try MediaSettings(environment: environment)
        let content: ContentStore
        do {
            content = try ContentStore(path: settings.storePath)
        } catch {
            throw ConfigurationError.invalid(variable: "SWITCHBOARD_MEDIA_STORE_PATH", reason: "not a usable directory (\(error))")
        }
        guard ImageProcessor.started else { throw MediaStartupError(reason: "libvips failed to start") }
        let images = ImageProcessor(maxPixels: settings.maxPixels, thumbnailSize: settings.thumbnailSize, format: settings.thumbnailFormat)

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "media", migrations: MediaMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let store = PostgresMediaStore(schema: runtime.schema)
        let commands = MediaCommands(store: store, outbox: runtime.outbox, logger: logger)
        let fetcher = try MediaFetcher(settings: settings, logger: logger)
        let intake = MediaIntake(
            settings: settings, fetcher: fetcher, content: content, images: images, store: store, client: runtime.postgres, logger: logger
        )

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        MediaRoutes(
            store: store, content: content, client: runtime.postgres, logger: logger
        ).register(on: router)

        let fetches = MediaCommandHandler(
            intake: intake, commands: commands, store: store, client: runtime.postgres,
            transactions: runtime.transactionalHandler(consumer: .mediaCommands), logger: logger
        )
        let events = MediaEventHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: .mediaEvents))
        let consumers: [any Service] = [
            runtime.consumer(queue: .mediaCommands) { await fetches.handle($0) },
            runtime.consumer(queue: .mediaEvents) { await events.handle($0) },
        ]
        logger.info(
            "media store ready",
            metadata: [
                "path": "\(content.root.path)", "max_bytes": "\(settings.maxBytes)", "max_pixels": "\(settings.maxPixels)",
                "allowed_hosts": "\(settings.addressPolicy.allowedHosts.count + settings.addressPolicy.allowedNetworks.count)",
            ])
        return Media(runtime: runtime, router: router, consumers: consumers)
    }

}

struct MediaStartupError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "media cannot start: \(reason)" }
}
