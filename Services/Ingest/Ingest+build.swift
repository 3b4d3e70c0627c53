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
/// | `SWITCHBOARD_SEND_TIMEOUT_SECONDS` | `10` (1–120): how long one carrier request may take before it counts as failed and is retried |
/// | `SWITCHBOARD_SEND_MAX_ATTEMPTS` | `8` (1–50): attempts before an SMS the carrier keeps refusing for a passing reason is `failed` |
/// | `SWITCHBOARD_SEND_CONCURRENCY` | `64` (1–1000): messages being sent at once by one replica |
///
/// Services: the consumers of `ingest.messages` (batched), `ingest.receipts` and
/// `ingest.outbound`, the ``OutboundSender``, the ``OutboundBindings``, the
/// ``ReassemblyTimer`` and ``SimulatorReceiptTimer``, the ``WebhookExposureAudit`` and the
/// HTTP API (inbound, channels, carrier webhooks, simulator).
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
        let sendTimeout = try environment.int("SWITCHBOARD_SEND_TIMEOUT_SECONDS", default: 10, in: 1...120)
        let sendAttempts = try environment.int("SWITCHBOARD_SEND_MAX_ATTEMPTS", default: 8, in: 1...50)
        let sendConcurrency = try environment.int("SWITCHBOARD_SEND_CONCURRENCY", default: 64, in: 1...1_000)
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
        let bindingsChanged = OutboxSignal()
        ChannelRoutes(
            store: channelStore, regions: regions, serviceRegion: configuration.defaultRegion, client: runtime.postgres, outbox: runtime.outbox,
            bindingsChanged: bindingsChanged, logger: logger
        ).register(on: router)
        SimulatorRoutes(channels: channelStore, acceptor: acceptor, client: runtime.postgres, schema: runtime.schema, logger: logger)
            .register(on: router)
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
        // Outbound delivery (docs/architecture.md 10.1).
        let outboundStore = PostgresOutboundStore(schema: runtime.schema)
        let senderSignal = OutboxSignal()
        let outboundHandler = OutboundMessageHandler(
            handler: runtime.transactionalHandler(consumer: .ingestOutbound), channels: channelStore, store: outboundStore,
            sender: senderSignal, logger: logger
        )
        let outbound = runtime.consumer(queue: .ingestOutbound, orderingKey: { $0.properties.correlationID }) {
            await outboundHandler.handle($0)
        }
        let httpClient = CarrierHTTPClient(connectionsPerHost: sendConcurrency)
        let gate = runtime.startup
        let sender = OutboundSender(
            store: outboundStore, channels: channelStore, recorder: recorder, simulator: SimulatorCarrier(schema: runtime.schema),
            transport: AsyncHTTPCarrierTransport(http: httpClient), client: runtime.postgres, outbox: runtime.outbox, signal: senderSignal,
            retry: SendRetryPolicy(maxAttempts: sendAttempts), attemptTimeout: .seconds(sendTimeout), maxInFlight: sendConcurrency,
            waitUntilReady: { await gate.wait() }, progress: runtime.progress.monitor("outbound sender"), logger: logger
        )
        let bindings = OutboundBindings(
            schema: runtime.schema, channels: channelStore, client: runtime.postgres, connection: runtime.consumeConnection,
            signal: bindingsChanged, waitUntilReady: { await gate.wait() }, progress: runtime.progress.monitor("outbound bindings"),
            logger: logger
        )
        let simulatorReceipts = DeadlineLoop(
            name: "simulator receipts",
            timer: SimulatorReceiptTimer(
                schema: runtime.schema, client: runtime.postgres, outbox: runtime.outbox, recorder: recorder, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        let timer = DeadlineLoop(
            name: "reassembly timer",
            timer: ReassemblyTimer(client: runtime.postgres, outbox: runtime.outbox, parts: parts, acceptor: acceptor, logger: logger),
            waitUntilReady: { await gate.wait() }, logger: logger
        )
        let audit = WebhookExposureAudit(channels: channelStore, client: runtime.postgres, waitUntilReady: { await gate.wait() }, logger: logger)
        // The HTTP client stops after the sender (the group stops services in reverse order).
        return Ingest(
            runtime: runtime, router: router, consumers: [messages, receipts, outbound],
            background: [HTTPClientShutdown(client: httpClient, logger: logger), timer, simulatorReceipts, audit, bindings, sender]
        )
    }

}
