import SwitchboardServiceKit

/// `ingest`: accepts inbound SMS/MMS from queues and HTTP, validates and normalises
/// them, de-duplicates on (channel, carrier id), stores them and emits `message.received`.
@main
struct IngestApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "ingest", defaultPort: 8081)
        let ingest = try await Ingest.build(
            configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
        )
        try await ingest.run()
    }
}
