import Logging
import PostgresNIO
import ServiceLifecycle

/// Says at every start which channels' webhooks are not checked (docs/architecture.md 10.3):
/// a warning for each channel an admin allowed to take unauthenticated calls, an error for
/// each stored without its secret before that rule (its webhooks are refused until an
/// admin saves one). Then it idles until shutdown (a service that returned would end the
/// group).
struct WebhookExposureAudit: Service {
    let channels: PostgresChannelStore
    let client: PostgresClient
    let waitUntilReady: @Sendable () async -> Void
    let logger: Logger

    func run() async throws {
        await waitUntilReady()
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        do {
            for channel in try await channels.channelsWithoutWebhookCredential(client: client, logger: logger) {
                let credential = ChannelSettings.webhookCredential(of: channel.carrier) ?? "secret"
                let metadata: Logger.Metadata = ["channel": "\(channel.name)", "carrier": "\(channel.carrier.rawValue)"]
                if channel.allowUnauthenticatedWebhooks {
                    logger.warning("channel webhooks accept unauthenticated calls (allow_unauthenticated_webhooks is set)", metadata: metadata)
                } else {
                    logger.error("channel webhooks are refused until credentials.\(credential) is saved", metadata: metadata)
                }
            }
        } catch {
            logger.warning("could not list channels for the webhook audit", metadata: ["error": "\(String(reflecting: error))"])
        }
        try? await gracefulShutdown()
    }
}
