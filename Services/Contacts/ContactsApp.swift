import SwitchboardServiceKit

/// `contacts`: contacts, identification, history, merges and consent.
@main
struct ContactsApp {
    static func main() async throws {
        let bootstrap = ProcessBootstrap.start(service: "contacts", defaultPort: 8084)
        let contacts: Contacts
        do {
            contacts = try await Contacts.build(
                configuration: bootstrap.configuration, logger: bootstrap.logger, registry: bootstrap.registry
            )
        } catch {
            bootstrap.logger.critical("\(error)")
            throw error
        }
        try await contacts.run()
    }
}
