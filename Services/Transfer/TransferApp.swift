import SwitchboardServiceKit

/// `transfer`: agents, presence, routing offers and transfers.
@main
struct TransferApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "transfer", defaultPort: 8083)
        let transfer: Transfer
        do {
            transfer = try await Transfer.build(
                configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
            )
        } catch {
            bootstrap.logger.critical("\(error)")
            throw error
        }
        try await transfer.run()
    }
}
