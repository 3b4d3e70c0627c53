import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the session service; tests build the same thing.
///
/// Session-specific configuration, beyond ``ServiceConfiguration``:
/// `SWITCHBOARD_SMS_MAX_PARTS` (default 10), `SWITCHBOARD_DISPOSITION_CODES`, the
/// number defaults of ``NumberSettings`` and the preview's dictionaries
/// (``SpellCheckSettings``, loaded here so a missing one stops the service at start).
struct Session: SwitchboardService {
    static let name = "session"
    static let defaultPort = 8082

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]
    let background: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Session {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let environment = bootstrap.environment
        let defaults = try NumberSettings.defaults(environment: environment)
        let dispositions = try DispositionCatalog(environment: environment)
        let maxParts = try environment.int("SWITCHBOARD_SMS_MAX_PARTS", default: 10, in: 1...50)
        let spelling = try await SpellChecker.load(
            SpellCheckSettings(environment: environment),
            tokenizer: SpellingTokenizer(extractor: EntityExtractor(defaultRegion: configuration.defaultRegion))
        )

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "session", migrations: SessionMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let store = PostgresInteractionStore(schema: runtime.schema)
        let settings = PostgresSettingsStore(schema: runtime.schema)
        let responses = StandardResponseStore(schema: runtime.schema)
        let commands = InteractionCommands(
            store: store, settings: settings, responses: responses, outbox: runtime.outbox, defaults: defaults,
            dispositions: dispositions, maxParts: maxParts, extractor: EntityExtractor(defaultRegion: configuration.defaultRegion),
            logger: logger
        )

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        InteractionRoutes(
            store: store, commands: commands, transactions: runtime.transactions(),
            client: runtime.postgres, defaultRegion: configuration.defaultRegion,
            outbound: OutboundRequestValidator(defaultRegion: configuration.defaultRegion, maxParts: maxParts), logger: logger
        ).register(on: router)
        ConsultationRoutes(
            store: store, commands: commands, transactions: runtime.transactions(), client: runtime.postgres, logger: logger
        ).register(on: router)
        SettingsRoutes(
            settings: settings, defaults: defaults, dispositions: dispositions, maxParts: maxParts, spelling: spelling,
            client: runtime.postgres,
            defaultRegion: configuration.defaultRegion, logger: logger
        ).register(on: router)
        StandardResponseRoutes(store: responses, client: runtime.postgres, logger: logger)
            .register(on: router)

        let events = SessionEventHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: .sessionEvents))
        let assignments = SessionCommandHandler(commands: commands, transactions: runtime.transactionalHandler(consumer: .sessionCommands))
        // Inbound messages arrive on the partition queues (single active consumer each), so one
        // conversation is handled by one replica at a time; within a consumer, one conversation's
        // deliveries are handled one after another, in order.
        let partitions: [any Service] = (0..<configuration.sessionPartitions).map { partition in
            runtime.batchConsumer(queue: .sessionInbound(partition), orderingKey: { $0.properties.correlationID }) {
                await events.handle(batch: $0)
            }
        }
        let consumers: [any Service] =
            partitions + [
                runtime.batchConsumer(queue: .sessionEvents, orderingKey: { $0.properties.correlationID }) { await events.handle(batch: $0) },
                runtime.consumer(queue: .sessionCommands, orderingKey: { $0.properties.correlationID }) { await assignments.handle($0) },
            ]
        let gate = runtime.startup
        let timer = DeadlineLoop(
            name: "inactivity timer",
            timer: InactivityTimer(client: runtime.postgres, outbox: runtime.outbox, store: store, commands: commands, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        return Session(runtime: runtime, router: router, consumers: consumers, background: [timer])
    }

}
