import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit

/// The wiring of the ingest service; tests build the same thing.
///
/// Ingest-specific configuration, beyond ``ServiceConfiguration``:
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS` | `60` (1–86400): how long the parts of a concatenated SMS are waited for, from the first one, before what arrived is emitted marked `incomplete` |
///
/// Services: the consumers of `ingest.messages` (batched) and `ingest.receipts`, the
/// ``ReassemblyTimer``, the ``WebhookExposureAudit`` and the HTTP API (inbound, channels,
/// carrier webhooks).
struct Ingest: SwitchboardService {
    static let name = "ingest"
    static let defaultPort = 8081

    let runtime: ServiceRuntime
    let router: Router<SwitchboardRequestContext>
    let consumers: [any Service]
    let background: [any Service]

    static func build(_ bootstrap: ServiceBootstrap) async throws -> Ingest {
        let configuration = bootstrap.configuration
        let logger = bootstrap.logger
        let environment = bootstrap.environment
        let reassemblyTimeout = try environment.int("SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS", default: 60, in: 1...86_400)
        let credentialsKey = environment.string(CredentialsCipher.variable, default: "")
        let cipher = credentialsKey.isEmpty ? nil : try CredentialsCipher(base64Key: credentialsKey)
        if cipher == nil {
            logger.warning("channel credentials are stored unencrypted: set \(CredentialsCipher.variable) to seal them")
        }

        let runtime = await ServiceRuntime(
            configuration: configuration, schema: "ingest", migrations: IngestMigrations.all, logger: logger, registry: bootstrap.registry
        )
        let channelStore = PostgresChannelStore(schema: runtime.schema, cipher: cipher)
        let regions = ChannelRegions(store: channelStore, client: runtime.postgres, logger: logger)
        let parts = PostgresPartStore(schema: runtime.schema)
        let acceptor = InboundAcceptor(
            validator: InboundValidator(defaultRegion: configuration.defaultRegion),
            store: PostgresInboundStore(schema: runtime.schema),
            parts: parts,
            regions: regions,
            client: runtime.postgres,
            outbox: runtime.outbox,
            reassemblyTimeout: reassemblyTimeout,
            logger: logger
        )
        let recorder = ReceiptRecorder(store: PostgresReceiptStore(schema: runtime.schema), outbox: runtime.outbox, logger: logger)

        let router = runtime.makeRouter(openAPI: OpenAPIDocument.text(bundle: .module))
        InboundRoutes(acceptor: acceptor).register(on: router)
        ChannelRoutes(
            store: channelStore, regions: regions, serviceRegion: configuration.defaultRegion, client: runtime.postgres, outbox: runtime.outbox,
            logger: logger
        ).register(on: router)
        WebhookRoutes(
            channels: channelStore, acceptor: acceptor, receipts: recorder, digests: CryptoDigests(), client: runtime.postgres,
            outbox: runtime.outbox,
            logger: logger
        ).register(on: router)

        let ordering = InboundOrderingKey(defaultRegion: configuration.defaultRegion)
        let handler = InboundMessageHandler(acceptor: acceptor, client: runtime.postgres, outbox: runtime.outbox, logger: logger)
        let messages = runtime.batchConsumer(queue: .ingestMessages, orderingKey: { ordering.key(for: $0.body) }) {
            await handler.handle(batch: $0)
        }
        let receiptHandler = ReceiptHandler(
            recorder: recorder, client: runtime.postgres, outbox: runtime.outbox, inbox: runtime.inbox, logger: logger)
        // One carrier id's receipts one after another, in queue order (its first receipt carries both ids).
        let receipts = runtime.consumer(queue: .ingestReceipts, orderingKey: { ReceiptHandler.orderingKey(of: $0.body) }) {
            await receiptHandler.handle($0)
        }
        let gate = runtime.startup
        let timer = DeadlineLoop(
            name: "reassembly timer",
            timer: ReassemblyTimer(client: runtime.postgres, outbox: runtime.outbox, parts: parts, acceptor: acceptor, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        let audit = WebhookExposureAudit(channels: channelStore, client: runtime.postgres, waitUntilReady: { await gate.wait() }, logger: logger)
        return Ingest(runtime: runtime, router: router, consumers: [messages, receipts], background: [timer, audit])
    }

}
