import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the contacts service; tests build the same thing.
///
/// No configuration beyond ``ServiceConfiguration``: phone numbers given in national form
/// (in requests and in search) are read in `SWITCHBOARD_DEFAULT_REGION`.
///
/// Consumers: `contacts.events` (``ContactsEventHandler``), in batches, one interaction's
/// events (same `correlation_id`) handled in order.
struct Contacts: SwitchboardService {
    static let name = "contacts"
    static let defaultPort = 8084

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Contacts {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "contacts", migrations: ContactsMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let contacts = PostgresContactStore(schema: runtime.schema)
        let history = PostgresHistoryStore(schema: runtime.schema)
        let consentStore = PostgresConsentStore(schema: runtime.schema)
        let commands = ContactCommands(
            contacts: contacts, history: history, outbox: runtime.outbox, participants: InteractionParticipants(schema: runtime.schema),
            logger: logger
        )
        let consent = ConsentCommands(store: consentStore, outbox: runtime.outbox, logger: logger, defaultRegion: configuration.defaultRegion)

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        ContactRoutes(
            contacts: contacts, history: history, consent: consentStore, commands: commands,
            transactions: runtime.transactions(mapError: ContactUniqueViolation.problem(for:)),
            validator: ContactRequestValidator(defaultRegion: configuration.defaultRegion), client: runtime.postgres,
            logger: logger
        ).register(on: router)

        let events = ContactsEventHandler(
            commands: commands, consent: consent, transactions: runtime.transactionalHandler(consumer: .contactsEvents)
        )
        let consumers: [any Service] = [
            runtime.batchConsumer(queue: .contactsEvents, orderingKey: { $0.properties.correlationID }) { await events.handle(batch: $0) }
        ]
        return Contacts(runtime: runtime, router: router, consumers: consumers)
    }

}
