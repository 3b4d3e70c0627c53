import Foundation
import SwitchboardDatabase
import SwitchboardModels

/// The `outbound` object of `PUT /v1/channels/{name}` and its rules (docs/architecture.md 10.1).
///
/// Keys: `enabled` (default false), `api_base_url` (http or https, no query or fragment;
/// required for jasmin and kannel, whose APIs are your own), `from`, `max_per_second` (more
/// than 0, at most 1000; default 10), `concatenate` (default true), `keyword_replies`
/// (`stop`, `start`, `help`: at most 612 characters each, `""` sends nothing), and for the
/// `simulator` carrier only `delivery_delay_ms` (0–60000, default 200) and `fail_numbers`
/// (E.164 numbers it reports `undelivered`). An unknown key, or an option of another
/// carrier, is refused with its name, so a typo never silently changes nothing.
struct OutboundRequest: Decodable, Sendable {
    var enabled: Bool?
    var apiBaseUrl: String?
    var from: String?
    var maxPerSecond: Double?
    var concatenate: Bool?
    var deliveryDelayMs: Int?
    var failNumbers: [String]?
    var keywordReplies: KeywordReplies?
    /// Keys the body had that are none of the above (as written, snake case).
    var unknownKeys: [String] = []

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, apiBaseUrl, from, maxPerSecond, concatenate, deliveryDelayMs, failNumbers, keywordReplies
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
        apiBaseUrl = try container.decodeIfPresent(String.self, forKey: .apiBaseUrl)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        maxPerSecond = try container.decodeIfPresent(Double.self, forKey: .maxPerSecond)
        concatenate = try container.decodeIfPresent(Bool.self, forKey: .concatenate)
        deliveryDelayMs = try container.decodeIfPresent(Int.self, forKey: .deliveryDelayMs)
        failNumbers = try container.decodeIfPresent([String].self, forKey: .failNumbers)
        keywordReplies = try container.decodeIfPresent(KeywordReplies.self, forKey: .keywordReplies)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        let all = try decoder.container(keyedBy: AnyKey.self)
        unknownKeys = all.allKeys.map(\.stringValue).filter { !known.contains($0) }.map(Self.snakeCase).sorted()
    }

    /// The settings this object describes for a channel of `carrier`.
    func settings(carrier: Carrier, hasPublicBaseURL: Bool, credentials: [String: String]) throws(InvalidMessage) -> OutboundSettings {
        if let key = unknownKeys.first { throw InvalidMessage("outbound.\(key) is not an outbound option") }
        let enabled = self.enabled ?? false
        if carrier == .amqp, enabled {
            throw InvalidMessage("outbound.enabled: an amqp channel is sent by external connectors bound to switchboard.outbound")
        }
        if carrier != .simulator {
            if deliveryDelayMs != nil { throw InvalidMessage("outbound.delivery_delay_ms applies to simulator channels only") }
            if failNumbers != nil { throw InvalidMessage("outbound.fail_numbers applies to simulator channels only") }
        }
        var baseURL: String?
        if let raw = apiBaseUrl?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard carrier != .simulator else { throw InvalidMessage("outbound.api_base_url: a simulator channel sends nowhere") }
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
                url.query == nil, url.fragment == nil, !raw.contains("?"), !raw.contains("#")
            else { throw InvalidMessage("outbound.api_base_url must be an http or https URL without query or fragment") }
            baseURL = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        }
        if let from {
            guard (1...32).contains(from.count), from.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+ -".contains($0)) })
            else { throw InvalidMessage("outbound.from must be a number or an alphanumeric sender (1-32 letters, digits, '+', ' ', '-')") }
        }
        let rate = maxPerSecond ?? OutboundSettings.defaultMaxPerSecond
        guard rate.isFinite, rate > 0, rate <= OutboundSettings.maximumMaxPerSecond else {
            throw InvalidMessage("outbound.max_per_second must be more than 0 and at most \(Int(OutboundSettings.maximumMaxPerSecond))")
        }
        if let delay = deliveryDelayMs, !(0...60_000).contains(delay) {
            throw InvalidMessage("outbound.delivery_delay_ms must be 0-60000")
        }
        if let numbers = failNumbers {
            guard numbers.count <= 1_000 else { throw InvalidMessage("outbound.fail_numbers may list at most 1000 numbers") }
            for number in numbers where !Self.isE164(number) {
                throw InvalidMessage("outbound.fail_numbers must be E.164 numbers (+ and 8-15 digits)")
            }
        }
        if let replies = keywordReplies {
            for (name, text) in [("stop", replies.stop), ("start", replies.start), ("help", replies.help)] {
                if let text, text.count > KeywordReplies.maximumLength {
                    throw InvalidMessage("outbound.keyword_replies.\(name) must be at most \(KeywordReplies.maximumLength) characters")
                }
            }
        }
        if enabled {
            if baseURL == nil, carrier != .simulator, OutboundSettings.publicAPIBaseURL(of: carrier) == nil {
                throw InvalidMessage("outbound.api_base_url is required for a \(carrier.rawValue) channel (its API is your own)")
            }
            for name in OutboundSettings.sendingCredentials(of: carrier) where credentials[name] == nil {
                throw InvalidMessage("a \(carrier.rawValue) channel that sends needs credentials.\(name)")
            }
            if carrier != .simulator, !hasPublicBaseURL {
                throw InvalidMessage("a channel that sends needs public_base_url: the carrier's receipts come back to its webhook")
            }
        }
        return OutboundSettings(
            enabled: enabled, apiBaseUrl: baseURL, from: from, maxPerSecond: rate, concatenate: concatenate ?? true,
            deliveryDelayMs: carrier == .simulator ? (deliveryDelayMs ?? OutboundSettings.defaultDeliveryDelayMs) : nil,
            failNumbers: carrier == .simulator ? (failNumbers ?? []) : nil, keywordReplies: keywordReplies
        )
    }

    static func isE164(_ number: String) -> Bool {
        number.hasPrefix("+") && (8...15).contains(number.count - 1) && number.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `apiBaseUrl` → `api_base_url`, to name an unknown key as the client wrote it.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
