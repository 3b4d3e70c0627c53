import SwitchboardServiceKit

/// `contacts`: contacts, identification, history, merges and consent.
@main
struct ContactsApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "contacts", defaultPort: 8084)
        let service = await Contacts.build(
            configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
        )
        try await service.run()
    }
}
