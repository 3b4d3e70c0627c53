import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// Channels in `ingest.channels`. Credentials are sealed with `cipher` when a key is
/// configured (``CredentialsCipher``), stored plain otherwise.
struct PostgresChannelStore: Sendable {
    let schema: String
    var cipher: CredentialsCipher?

    private static let columns =
        "name, carrier, default_region, public_base_url, credentials::text, created_at, updated_at, allow_unauthenticated_webhooks, outbound::text"
    private typealias Row = (String, String, String, String?, String, Date, Date, Bool, String?)

    func channel(named name: String, client: PostgresClient, logger: Logger) async throws -> ChannelSettings? {
        let rows = try await client.rows(
            "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).channels WHERE name = \(name)", logger: logger
        )
        for try await row in rows.decode(Row.self) {
            return try settings(row)
        }
        return nil
    }

    /// The stored channel, locked until the transaction ends (for a read-modify-write).
    /// - Parameter readingCredentials: false to get the channel with no credentials, for a
    ///   request that replaces credentials which can no longer be read (key changed).
    func channelForUpdate(
        named name: String, readingCredentials: Bool = true, on connection: PostgresConnection, logger: Logger
    ) async throws -> ChannelSettings? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).channels WHERE name = \(name) FOR UPDATE", logger: logger
        )
        for try await row in rows.decode(Row.self) {
            return try settings(readingCredentials ? row : (row.0, row.1, row.2, row.3, "{}", row.5, row.6, row.7, row.8))
        }
        return nil
    }

    /// Creates or replaces a channel; true when it was created.
    func save(_ channel: ChannelSettings, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let credentials =
            try cipher?.seal(channel.credentials)
            ?? String(decoding: try JSONEncoder().encode(channel.credentials), as: UTF8.self)
        let outbound = try channel.outbound.map { String(decoding: try SwitchboardJSON.encoder().encode($0), as: UTF8.self) }
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).channels
                (name, carrier, default_region, public_base_url, credentials, created_at, updated_at, allow_unauthenticated_webhooks,
                 outbound)
            VALUES (\(channel.name), \(channel.carrier.rawValue), \(channel.defaultRegion), \(channel.publicBaseURL),
                    \(credentials)::jsonb, \(channel.createdAt), \(channel.updatedAt), \(channel.allowUnauthenticatedWebhooks),
                    \(outbound)::jsonb)
            ON CONFLICT (name) DO UPDATE SET
                carrier = excluded.carrier, default_region = excluded.default_region,
                public_base_url = excluded.public_base_url, credentials = excluded.credentials, updated_at = excluded.updated_at,
                allow_unauthenticated_webhooks = excluded.allow_unauthenticated_webhooks, outbound = excluded.outbound
            RETURNING (xmax = 0) AS created
            """, logger: logger)
        for try await created in rows.decode(Bool.self) { return created }
        return false
    }

    func delete(named name: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.rows(
            "DELETE FROM \(unescaped: schema).channels WHERE name = \(name) RETURNING name", logger: logger
        )
        for try await _ in rows.decode(String.self) { return true }
        return false
    }

    /// The channels ingest sends for: a carrier it speaks and `outbound.enabled`.
    func sendingChannelNames(on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let rows = try await connection.query(
            """
            SELECT name FROM \(unescaped: schema).channels
            WHERE carrier <> 'amqp' AND coalesce((outbound ->> 'enabled')::boolean, false)
            """, logger: logger)
        var names = Set<String>()
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    /// The named channels that exist, by name (for the sender: its carrier, settings and secrets).
    func channels(named names: [String], on connection: PostgresConnection, logger: Logger) async throws -> [String: ChannelSettings] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).channels WHERE name = ANY(\(names))", logger: logger
        )
        var channels: [String: ChannelSettings] = [:]
        for try await row in rows.decode(Row.self) {
            // Credentials that cannot be read (another key) make the channel unusable for sending.
            guard let channel = try? settings(row) else { continue }
            channels[channel.name] = channel
        }
        return channels
    }

    /// Every channel's region and keyword replies, for the queue and `POST /v1/inbound`.
    func regions(client: PostgresClient, logger: Logger) async throws -> [String: ChannelRegions.Entry] {
        let rows = try await client.rows(
            "SELECT name, default_region, (outbound -> 'keyword_replies')::text FROM \(unescaped: schema).channels", logger: logger
        )
        var regions: [String: ChannelRegions.Entry] = [:]
        for try await (name, region, replies) in rows.decode((String, String, String?).self) {
            let keywordReplies = replies.flatMap { try? SwitchboardJSON.decoder().decode(KeywordReplies.self, from: Data($0.utf8)) }
            regions[name] = .init(region: region, keywordReplies: keywordReplies ?? KeywordReplies())
        }
        return regions
    }

    /// Every channel whose webhooks go unchecked or are refused for want of a secret, for
    /// the warning logged at start (names and carriers only).
    func channelsWithoutWebhookCredential(client: PostgresClient, logger: Logger) async throws -> [ChannelSettings] {
        let rows = try await client.rows("SELECT \(unescaped: Self.columns) FROM \(unescaped: schema).channels ORDER BY name", logger: logger)
        var found: [ChannelSettings] = []
        for try await row in rows.decode(Row.self) {
            // Credentials sealed with another key cannot be judged here; their webhooks fail anyway.
            guard let channel = try? settings(row), channel.lacksWebhookCredential else { continue }
            found.append(channel)
        }
        return found
    }

    private func settings(_ row: Row) throws -> ChannelSettings {
        let credentials =
            try cipher.map { cipher throws(CredentialsUnreadable) in try cipher.open(row.4) }
            ?? CredentialsCipher.openWithoutKey(row.4)
        // Settings this version cannot read (written by a later one) count as not sending.
        let outbound = row.8.flatMap { try? SwitchboardJSON.decoder().decode(OutboundSettings.self, from: Data($0.utf8)) }
        return ChannelSettings(
            name: row.0, carrier: Carrier(rawValue: row.1) ?? .amqp, defaultRegion: row.2, publicBaseURL: row.3,
            credentials: credentials, allowUnauthenticatedWebhooks: row.7, outbound: outbound, createdAt: row.5, updatedAt: row.6
        )
    }
}

/// The channels' regions and keyword replies, cached for a few seconds (the queue path
/// validates without a database round trip per message). A change made through this
/// instance is seen at once; one made through another replica within `ttl`.
actor ChannelRegions {
    struct Entry: Sendable, Equatable {
        var region: String
        var keywordReplies: KeywordReplies
    }

    let store: PostgresChannelStore
    let client: PostgresClient
    let logger: Logger
    var ttl: Duration = .seconds(2)
    private var cached: [String: Entry] = [:]
    private var loadedAt: ContinuousClock.Instant?

    init(store: PostgresChannelStore, client: PostgresClient, logger: Logger) {
        self.store = store
        self.client = client
        self.logger = logger
    }

    /// The channel's `default_region`, or nil when the channel is not configured (the
    /// service's default region applies).
    func region(of channel: String) async throws -> String? {
        try await entries()[channel]?.region
    }

    /// The channel's keyword confirmations (the defaults for a channel not configured).
    func keywordReplies(of channel: String) async throws -> KeywordReplies {
        try await entries()[channel]?.keywordReplies ?? KeywordReplies()
    }

    private func entries() async throws -> [String: Entry] {
        if let loadedAt, ContinuousClock.now - loadedAt < ttl { return cached }
        cached = try await store.regions(client: client, logger: logger)
        loadedAt = .now
        return cached
    }

    func invalidate() {
        loadedAt = nil
    }
}
