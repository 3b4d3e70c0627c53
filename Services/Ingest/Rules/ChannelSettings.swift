import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// The carriers a channel can use. `simulator` sends nowhere (demos and tests) and has no
/// webhooks.
enum Carrier: String, Sendable, Codable, CaseIterable {
    case amqp, twilio, vonage, jasmin, kannel, simulator
}

/// A channel (carrier account) as stored: its carrier, the region of its national numbers,
/// the public URL its carrier calls (Twilio signs it) and its credentials (secrets, never
/// returned by the API).
struct ChannelSettings: Sendable, Equatable {
    var name: String
    var carrier: Carrier
    var defaultRegion: String
    var publicBaseURL: String?
    var credentials: [String: String]
    /// The admin's explicit choice to accept webhook calls without any check (docs/architecture.md
    /// 10.3: "webhooks are never open" otherwise); logged at warning on every start.
    var allowUnauthenticatedWebhooks: Bool = false
    /// How it sends replies; nil: it does not (``OutboundSettings``).
    var outbound: OutboundSettings? = nil
    var createdAt: Date
    var updatedAt: Date

    /// The credential that authenticates this channel's webhooks: Twilio's `auth_token`
    /// (always required), Vonage's `signature_secret`, Jasmin's and Kannel's `url_token`;
    /// nil for `amqp` and `simulator`, which have no webhooks.
    static func webhookCredential(of carrier: Carrier) -> String? {
        switch carrier {
        case .amqp, .simulator: nil
        case .twilio: "auth_token"
        case .vonage: "signature_secret"
        case .jasmin, .kannel: "url_token"
        }
    }

    /// Whether this channel has webhooks but no credential to check them with.
    var lacksWebhookCredential: Bool {
        guard let credential = Self.webhookCredential(of: carrier) else { return false }
        return credentials[credential] == nil
    }

    /// Whether its webhooks must be refused: no credential to check them and no explicit
    /// permission to go unchecked. Saving such a channel is refused (``ChannelRequest``);
    /// this catches channels stored before that rule, so an upgraded installation fails
    /// closed (403) until an admin saves a secret or opts out.
    var webhooksRefused: Bool { lacksWebhookCredential && !allowUnauthenticatedWebhooks }

    /// What `GET /v1/channels/{name}` answers: no secret, only which are set.
    struct View: Codable, Sendable, Equatable {
        var name: String
        var carrier: String
        var defaultRegion: String
        @ExplicitNull var publicBaseUrl: String?
        var credentialsSet: [String]
        var allowUnauthenticatedWebhooks: Bool
        @ExplicitNull var outbound: OutboundSettings.View?
        var createdAt: Date
        var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case name, carrier, defaultRegion, publicBaseUrl, credentialsSet, allowUnauthenticatedWebhooks, outbound, createdAt, updatedAt
        }
    }

    var view: View {
        View(
            name: name, carrier: carrier.rawValue, defaultRegion: defaultRegion, publicBaseUrl: publicBaseURL,
            credentialsSet: credentials.keys.sorted(), allowUnauthenticatedWebhooks: allowUnauthenticatedWebhooks,
            outbound: outbound?.view, createdAt: createdAt, updatedAt: updatedAt
        )
    }
}

/// The body of `PUT /v1/channels/{name}` and its rules.
///
/// - `carrier` (required): `amqp`, `twilio`, `vonage`, `jasmin`, `kannel` or `simulator`;
/// - `default_region`: ISO 3166 alpha-2 code with a known numbering plan; default: the
///   service's `SWITCHBOARD_DEFAULT_REGION`;
/// - `public_base_url`: `http(s)://host[:port][/prefix]`, no query or fragment; required
///   for `twilio` (the signature covers the URL Twilio called);
/// - `credentials`: names of 1–64 `[a-z0-9_]` with non-empty string values (at most 1024
///   characters). Webhooks are never open: Twilio needs `auth_token`, Vonage
///   `signature_secret` (every request must be signed), Jasmin and Kannel `url_token`
///   (every request must carry `?token=` in its URL) — unless
///   `allow_unauthenticated_webhooks` is true. Absent: the stored credentials are kept (a
///   read never shows them, so a client could not send them back); `{}` removes them.
/// - `allow_unauthenticated_webhooks`: default false; true lets a Vonage, Jasmin or Kannel
///   channel without its secret accept unchecked webhook calls (a test bench, a carrier
///   reached only over a private link), logged at warning on every start. Absent: the
///   stored choice is kept. Twilio's signature is always required.
struct ChannelRequest: Decodable, Sendable {
    var carrier: String?
    var defaultRegion: String?
    var publicBaseUrl: String?
    var credentials: [String: String]?
    var allowUnauthenticatedWebhooks: Bool?
    /// How the channel sends replies (``OutboundRequest``). Absent: the stored settings are
    /// kept; `null` is the same as absent.
    var outbound: OutboundRequest?

    static func validName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// The channel this body describes, given what is stored (nil: a new channel).
    func settings(name: String, existing: ChannelSettings?, serviceRegion: String, now: Date) throws(InvalidMessage) -> ChannelSettings {
        guard Self.validName(name) else { throw InvalidMessage("channel name must be 1-64 letters, digits, '-', '_' or '.'") }
        guard let rawCarrier = carrier else { throw InvalidMessage("missing field carrier") }
        guard let carrier = Carrier(rawValue: rawCarrier.lowercased()) else {
            throw InvalidMessage("carrier must be one of \(Carrier.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let region = (defaultRegion?.trimmingCharacters(in: .whitespaces).uppercased()).flatMap { $0.isEmpty ? nil : $0 } ?? serviceRegion
        guard PhoneRegion.named(region) != nil else {
            throw InvalidMessage("default_region is not a known region code (ISO 3166 alpha-2, e.g. US, GB)")
        }
        var baseURL: String?
        if let raw = publicBaseUrl?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
                url.query == nil, url.fragment == nil, !raw.contains("?"), !raw.contains("#")
            else { throw InvalidMessage("public_base_url must be an http or https URL without query or fragment") }
            baseURL = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        }
        let credentials = self.credentials ?? existing?.credentials ?? [:]
        for (key, value) in credentials {
            guard (1...64).contains(key.count), key.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                throw InvalidMessage("credential names must be 1-64 characters a-z, 0-9 or '_'")
            }
            guard !value.isEmpty, value.count <= 1024 else { throw InvalidMessage("credentials.\(key) must be 1-1024 characters") }
        }
        let allowUnauthenticated = allowUnauthenticatedWebhooks ?? existing?.allowUnauthenticatedWebhooks ?? false
        if carrier == .twilio {
            guard credentials["auth_token"] != nil else { throw InvalidMessage("a twilio channel needs credentials.auth_token") }
            guard baseURL != nil else { throw InvalidMessage("a twilio channel needs public_base_url (the signature covers the URL)") }
        }
        if let credential = ChannelSettings.webhookCredential(of: carrier), credentials[credential] == nil, !allowUnauthenticated {
            throw InvalidMessage(
                "a \(carrier.rawValue) channel needs credentials.\(credential), so that its webhooks cannot be called by anyone "
                    + "(or allow_unauthenticated_webhooks: true to accept unchecked calls on purpose)"
            )
        }
        var outbound = existing?.carrier == carrier ? existing?.outbound : nil
        if let request = self.outbound {
            outbound = try request.settings(carrier: carrier, hasPublicBaseURL: baseURL != nil, credentials: credentials)
        } else if let kept = outbound, kept.enabled {
            // The stored settings must still hold with what this request changed.
            for name in OutboundSettings.sendingCredentials(of: carrier) where credentials[name] == nil {
                throw InvalidMessage("a \(carrier.rawValue) channel that sends needs credentials.\(name)")
            }
            if carrier != .simulator, baseURL == nil {
                throw InvalidMessage("a channel that sends needs public_base_url: the carrier's receipts come back to its webhook")
            }
        }
        return ChannelSettings(
            name: name, carrier: carrier, defaultRegion: region, publicBaseURL: baseURL, credentials: credentials,
            allowUnauthenticatedWebhooks: carrier == .twilio ? false : allowUnauthenticated, outbound: outbound,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        )
    }
}
