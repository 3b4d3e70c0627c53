import SwitchboardServiceKit

/// `callback`: scheduled callbacks and their durable due-time timers.
@main
struct CallbackApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "callback", defaultPort: 8085)
        let callback: Callback
        do {
            callback = try await Callback.build(
                configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
            )
        } catch {
            bootstrap.logger.critical("\(error)")
            throw error
        }
        try await callback.run()
    }
}
