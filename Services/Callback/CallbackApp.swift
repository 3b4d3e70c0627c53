import SwitchboardServiceKit

/// `callback`: scheduled callbacks and their due-time timers.
@main
struct CallbackApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "callback", defaultPort: 8085)
        let service = await Callback.build(
            configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
        )
        try await service.run()
    }
}
