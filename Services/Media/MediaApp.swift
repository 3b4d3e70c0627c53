import SwitchboardServiceKit

/// `media`: MMS media fetching, storage and thumbnails.
@main
struct MediaApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "media", defaultPort: 8086)
        let media: Media
        do {
            media = try await Media.build(
                configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
            )
        } catch {
            bootstrap.logger.critical("\(error)")
            throw error
        }
        try await media.run()
    }
}
