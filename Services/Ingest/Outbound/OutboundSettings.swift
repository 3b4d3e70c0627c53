import Foundation
import SwitchboardModels

/// How a channel sends replies (docs/architecture.md 10.1), as stored in `ingest.channels.outbound`.
///
/// Sending is off unless `enabled`; `amqp` channels never have it (external connectors bind
/// their own queues). Secrets stay in the channel's `credentials`.
struct OutboundSettings: Codable, Sendable, Equatable {
    var enabled: Bool
    /// The carrier's API root; nil: the carrier's public API (Twilio, Vonage).
    var apiBaseUrl: String?
    /// The sender; nil: the interaction's organisation number.
    var from: String?
    /// SMS per second for the channel, across every ingest replica.
    var maxPerSecond: Double
    /// True: `text` once, the carrier splits it; false: each of the message's `parts` as its own SMS.
    var concatenate: Bool
    /// Simulator: how long after `sent` it reports `delivered` (ms).
    var deliveryDelayMs: Int?
    /// Simulator: numbers it reports `undelivered` (error 30003).
    var failNumbers: [String]?
    /// The replies to STOP, START and HELP; nil keys use the defaults.
    var keywordReplies: KeywordReplies?

    static let defaultMaxPerSecond = 10.0
    static let maximumMaxPerSecond = 1_000.0
    static let defaultDeliveryDelayMs = 200

    /// The carrier's public API, where it has one everybody uses.
    static func publicAPIBaseURL(of carrier: Carrier) -> String? {
        switch carrier {
        case .twilio: "https://api.twilio.com"
        case .vonage: "https://rest.nexmo.com"
        default: nil
        }
    }

    /// The credentials sending needs, per carrier.
    static func sendingCredentials(of carrier: Carrier) -> [String] {
        switch carrier {
        case .twilio: ["account_sid", "auth_token"]
        case .vonage: ["api_key", "api_secret"]
        case .jasmin, .kannel: ["username", "password"]
        default: []
        }
    }

    /// What `GET /v1/channels/{name}` shows (every key, null when unset).
    struct View: Codable, Sendable, Equatable {
        var enabled: Bool
        @ExplicitNull var apiBaseUrl: String?
        @ExplicitNull var from: String?
        var maxPerSecond: Double
        var concatenate: Bool
        @ExplicitNull var deliveryDelayMs: Int?
        @ExplicitNull var failNumbers: [String]?
        var keywordReplies: KeywordReplies.View

        enum CodingKeys: String, CodingKey {
            case enabled, apiBaseUrl, from, maxPerSecond, concatenate, deliveryDelayMs, failNumbers, keywordReplies
        }
    }

    var view: View {
        View(
            enabled: enabled, apiBaseUrl: apiBaseUrl, from: from, maxPerSecond: maxPerSecond, concatenate: concatenate,
            deliveryDelayMs: deliveryDelayMs, failNumbers: failNumbers, keywordReplies: (keywordReplies ?? KeywordReplies()).view
        )
    }
}
