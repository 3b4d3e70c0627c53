import SwitchboardServiceKit

/// `transfer`: agents, presence, routing offers and transfers.
@main
struct TransferApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "transfer", defaultPort: 8083)
        let service = await Transfer.build(
            configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
        )
        try await service.run()
    }
}
