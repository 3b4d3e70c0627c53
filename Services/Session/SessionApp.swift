import SwitchboardServiceKit

/// `session`: turns inbound messages into interactions with their transcripts and serves
/// them to agent desktops.
@main
struct SessionApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "session", defaultPort: 8082)
        let session: Session
        do {
            session = try await Session.build(
                configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
            )
        } catch {
            bootstrap.logger.critical("\(error)")
            throw error
        }
        try await session.run()
    }
}
