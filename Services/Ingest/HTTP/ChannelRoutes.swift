import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardServiceKit

/// `PUT/GET/DELETE /v1/channels/{name}` (role `admin`): a channel's carrier, region,
/// public URL and credentials (``ChannelRequest``). Reads never return secrets, only
/// `credentials_set` (their names).
///
/// | operation | success |
/// |---|---|
/// | `PUT /v1/channels/{name}` | 201 created, 200 replaced; the channel |
/// | `GET /v1/channels/{name}` | 200 |
/// | `DELETE /v1/channels/{name}` | 204 (its webhooks answer 404 from then on) |
struct ChannelRoutes: Sendable {
    let store: PostgresChannelStore
    let regions: ChannelRegions
    let serviceRegion: String
    let client: PostgresClient
    /// Its transactions wake the outbox relay when they commit.
    let outbox: Outbox
    /// Wakes ``OutboundBindings`` after a change, so a channel sends (or stops) at once.
    let bindingsChanged: OutboxSignal
    let logger: Logger

    func register(on router: Router<SwitchboardRequestContext>) {
        router.put("/v1/channels/:name") { request, context -> Response in
            try admin(context)
            let name = try channelName(context)
            let body = try await JSONBody.decode(ChannelRequest.self, from: request, limit: 64 << 10)
            let (channel, created) = try await run { connection in
                let existing: ChannelSettings?
                do {
                    existing = try await store.channelForUpdate(named: name, on: connection, logger: logger)
                } catch is CredentialsUnreadable {
                    // Sealed with another key: only a request that brings new credentials may save.
                    guard body.credentials != nil else {
                        throw APIError(
                            status: .conflict, code: "credentials_unreadable", title: "Credentials unreadable",
                            detail: "The channel's stored credentials cannot be read with the configured key; send them again."
                        )
                    }
                    existing = try await store.channelForUpdate(named: name, readingCredentials: false, on: connection, logger: logger)
                }
                let channel: ChannelSettings
                do {
                    channel = try body.settings(name: name, existing: existing, serviceRegion: serviceRegion, now: Date())
                } catch let invalid as InvalidMessage {
                    throw APIError.invalid(invalid.reason, code: "invalid_channel")
                }
                let created = try await store.save(channel, on: connection, logger: logger)
                return (channel, created)
            }
            await regions.invalidate()
            bindingsChanged.wake()
            logger.info("channel saved", metadata: ["channel": "\(name)", "carrier": "\(channel.carrier.rawValue)", "created": "\(created)"])
            var response = try JSONBody.response(channel.view, status: created ? .created : .ok)
            if created { response.headers[.location] = "/v1/channels/\(name)" }
            return response
        }
        router.get("/v1/channels/:name") { request, context -> Response in
            try admin(context)
            let name = try channelName(context)
            guard let channel = try await store.channel(named: name, client: client, logger: logger) else { throw APIError.notFound("The channel") }
            return try JSONBody.response(channel.view)
        }
        router.delete("/v1/channels/:name") { request, context -> Response in
            try admin(context)
            let name = try channelName(context)
            guard try await store.delete(named: name, client: client, logger: logger) else { throw APIError.notFound("The channel") }
            await regions.invalidate()
            bindingsChanged.wake()
            logger.info("channel deleted", metadata: ["channel": "\(name)"])
            return Response(status: .noContent)
        }
    }

    private func admin(_ context: SwitchboardRequestContext) throws {
        _ = try context.identity(anyOf: .admin)
    }

    /// A name that cannot be a channel's: 404 for reads, 422 for PUT (the body rules say why).
    private func channelName(_ context: SwitchboardRequestContext) throws -> String {
        guard let name = context.parameters.get("name"), !name.isEmpty else { throw APIError.notFound("The channel") }
        return name
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await outbox.transaction(on: client, logger: logger) { connection in try await body(connection) }
        } catch {
            throw TransactionalHandler.unwrap(error)
        }
    }
}
