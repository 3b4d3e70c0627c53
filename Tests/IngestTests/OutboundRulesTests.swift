import Foundation
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Ingest

/// The rules of outbound delivery without I/O (issue #14): a channel's `outbound` settings,
/// what becomes of a reply, retries, keyword confirmations, receipt webhook addresses.
@Suite("Outbound rules")
struct OutboundRulesTests {
    let now = Date(timeIntervalSince1970: 1_795_699_394)

    func request(_ json: String) throws -> OutboundRequest {
        try SwitchboardJSON.decoder().decode(OutboundRequest.self, from: Data(json.utf8))
    }

    func channel(
        _ carrier: String, outbound: String, credentials: [String: String], publicBaseURL: String? = "https://sb.example.com"
    )
        throws -> ChannelSettings
    {
        var body = ChannelRequest(carrier: carrier, publicBaseUrl: publicBaseURL, credentials: credentials)
        body.allowUnauthenticatedWebhooks = true
        body.outbound = try request(outbound)
        return try body.settings(name: "c", existing: nil, serviceRegion: "US", now: now)
    }

    static let twilio = ["account_sid": "AC1", "auth_token": "t"]

    @Test func defaultsAndTheCarriersPublicAPI() throws {
        let settings = try channel("twilio", outbound: #"{"enabled": true}"#, credentials: Self.twilio)
        let outbound = try #require(settings.outbound)
        #expect(outbound.enabled && outbound.concatenate && outbound.maxPerSecond == OutboundSettings.defaultMaxPerSecond)
        #expect(outbound.apiBaseUrl == nil && OutboundSettings.publicAPIBaseURL(of: .twilio) == "https://api.twilio.com")
        #expect(outbound.deliveryDelayMs == nil && outbound.failNumbers == nil)
        #expect(outbound.view.keywordReplies.stop == KeywordReplies.defaultStop)
    }

    /// Each refusal names its field, as the API's 422 does.
    @Test(arguments: [
        ("twilio", #"{"enabled": true, "rate": 5}"#, "outbound.rate"),
        ("twilio", #"{"enabled": true, "api_base_url": "ftp://api.example.com"}"#, "outbound.api_base_url"),
        ("twilio", #"{"enabled": true, "api_base_url": "https://api.example.com/?x=1"}"#, "outbound.api_base_url"),
        ("twilio", #"{"enabled": true, "max_per_second": -1}"#, "outbound.max_per_second"),
        ("twilio", #"{"enabled": true, "max_per_second": 0}"#, "outbound.max_per_second"),
        ("twilio", #"{"enabled": true, "max_per_second": 5000}"#, "outbound.max_per_second"),
        ("twilio", #"{"enabled": true, "delivery_delay_ms": 10}"#, "outbound.delivery_delay_ms"),
        ("twilio", #"{"enabled": true, "fail_numbers": ["+14155550100"]}"#, "outbound.fail_numbers"),
        ("twilio", #"{"enabled": true, "from": "bad/sender"}"#, "outbound.from"),
        ("amqp", #"{"enabled": true}"#, "outbound.enabled"),
        ("jasmin", #"{"enabled": true}"#, "outbound.api_base_url"),
        ("simulator", #"{"enabled": true, "api_base_url": "https://x.example.com"}"#, "outbound.api_base_url"),
        ("simulator", #"{"enabled": true, "delivery_delay_ms": 70000}"#, "outbound.delivery_delay_ms"),
        ("simulator", #"{"enabled": true, "fail_numbers": ["4155550100"]}"#, "outbound.fail_numbers"),
    ])
    func badSettingsNameTheirField(carrier: String, json: String, field: String) throws {
        let credentials = carrier == "twilio" ? Self.twilio : ["username": "u", "password": "p"]
        do {
            _ = try channel(carrier, outbound: json, credentials: credentials)
            Issue.record("\(json) was accepted")
        } catch let error as InvalidMessage {
            #expect(error.reason.contains(field), "\(error.reason)")
        }
    }

    @Test func sendingNeedsTheCarriersCredentialsAndAReceiptAddress() throws {
        #expect(throws: InvalidMessage.self) { _ = try channel("twilio", outbound: #"{"enabled": true}"#, credentials: ["auth_token": "t"]) }
        #expect(throws: InvalidMessage.self) {
            _ = try channel("vonage", outbound: #"{"enabled": true}"#, credentials: ["api_key": "k"])
        }
        #expect(throws: InvalidMessage.self) {
            _ = try channel(
                "kannel", outbound: #"{"enabled": true, "api_base_url": "http://kannel:13013"}"#, credentials: ["username": "u", "password": "p"],
                publicBaseURL: nil)
        }
        // Disabled, nothing is required; the simulator needs neither credentials nor a public URL.
        _ = try channel("twilio", outbound: #"{"enabled": false}"#, credentials: ["auth_token": "t"])
        _ = try channel("simulator", outbound: #"{"enabled": true}"#, credentials: [:], publicBaseURL: nil)
    }

    @Test func storedSettingsAreKeptWhenTheBodyHasNone() throws {
        let first = try channel("twilio", outbound: #"{"enabled": true, "max_per_second": 3}"#, credentials: Self.twilio)
        let second = try ChannelRequest(carrier: "twilio", defaultRegion: "GB", publicBaseUrl: "https://sb.example.com").settings(
            name: "c", existing: first, serviceRegion: "US", now: now)
        #expect(second.outbound == first.outbound)
        // ... and must still hold: taking away a credential sending needs is refused.
        #expect(throws: InvalidMessage.self) {
            _ = try ChannelRequest(carrier: "twilio", publicBaseUrl: "https://sb.example.com", credentials: ["auth_token": "t"]).settings(
                name: "c", existing: first, serviceRegion: "US", now: now)
        }
    }

    // MARK: What becomes of a reply

    func sms(parts: [String], channel: String = "c") -> OutboundSMS {
        OutboundSMS(
            messageId: "m1", interactionId: "i1", channel: channel, from: "+14155550199", to: "+14155550100", text: parts.joined(),
            encoding: "gsm7", parts: parts
        )
    }

    @Test func aReplyIsOneSubmissionWhenTheCarrierConcatenatesAndOnePerPartWhenNot() throws {
        var settings = try channel("twilio", outbound: #"{"enabled": true}"#, credentials: Self.twilio)
        var counter = 0
        let reference = { () -> String in
            counter += 1
            return "ref\(counter)"
        }
        guard case .send(let whole) = try OutboundPlan.plan(sms(parts: ["a", "b", "c"]), channel: settings, traceparent: nil, reference: reference)
        else { throw PlanFailure("not sent") }
        #expect(whole.map(\.part) == [0] && whole[0].text == "abc" && whole[0].partsTotal == 3 && whole[0].statusPart == nil)
        settings.outbound?.concatenate = false
        guard case .send(let parts) = try OutboundPlan.plan(sms(parts: ["a", "b", "c"]), channel: settings, traceparent: nil, reference: reference)
        else { throw PlanFailure("not sent") }
        #expect(parts.map(\.part) == [1, 2, 3] && parts.map(\.text) == ["a", "b", "c"] && parts.map(\.statusPart) == [1, 2, 3])
        #expect(Set(parts.map(\.reference)).count == 3)
        // One SMS keeps its part number either way.
        guard case .send(let single) = try OutboundPlan.plan(sms(parts: ["hello"]), channel: settings, traceparent: nil) else {
            throw PlanFailure("not sent")
        }
        #expect(single.map(\.part) == [1])
    }

    @Test func aReplyNobodyHereSendsIsUnsendableWithItsReason() throws {
        let amqp = ChannelSettings(
            name: "c", carrier: .amqp, defaultRegion: "US", publicBaseURL: nil, credentials: [:], createdAt: now, updatedAt: now)
        let disabled = try channel("twilio", outbound: #"{"enabled": false}"#, credentials: Self.twilio)
        for channel in [nil, amqp, disabled] {
            guard case .unsendable(let reason) = try OutboundPlan.plan(sms(parts: ["a"]), channel: channel, traceparent: nil) else {
                throw PlanFailure("sent")
            }
            #expect(reason.contains("c"))
        }
    }

    @Test func aReplyThatBreaksTheContractIsRefused() throws {
        var broken = sms(parts: [])
        #expect(throws: InvalidMessage.self) { _ = try OutboundPlan.plan(broken, channel: nil, traceparent: nil) }
        broken = sms(parts: ["a"])
        broken.encoding = "utf8"
        #expect(throws: InvalidMessage.self) { _ = try OutboundPlan.plan(broken, channel: nil, traceparent: nil) }
    }

    // MARK: Retries

    @Test func retriesBackOffHonourRetryAfterAndGiveUp() {
        let policy = SendRetryPolicy(maxAttempts: 4, initialBackoff: .seconds(1), maxBackoff: .seconds(60))
        #expect(policy.decide(attempts: 1, retryAfter: nil, jitter: 1) == .retry(after: .seconds(1)))
        #expect(policy.decide(attempts: 3, retryAfter: nil, jitter: 1) == .retry(after: .seconds(4)))
        #expect(policy.decide(attempts: 2, retryAfter: .seconds(30), jitter: 1) == .retry(after: .seconds(30)))
        #expect(policy.decide(attempts: 2, retryAfter: .seconds(3_600), jitter: 1) == .retry(after: .seconds(300)))
        #expect(policy.decide(attempts: 4, retryAfter: nil, jitter: 1) == .giveUp)
        #expect(policy.decide(attempts: 1, retryAfter: nil, jitter: 1.2) == .retry(after: .milliseconds(1_200)))
    }

    // MARK: Keyword confirmations and receipt addresses

    @Test func keywordRepliesUseTheChannelsTextsOrTheDefaultsAndEmptySendsNothing() throws {
        let replies = KeywordReplies(stop: "Bye now", start: "", help: nil)
        #expect(replies.text(for: .optOut) == "Bye now")
        #expect(replies.text(for: .optIn) == nil)
        #expect(replies.text(for: .help) == KeywordReplies.defaultHelp)
        let inbound = MessageReceived(
            messageId: "m9", channel: "demo", carrierMessageId: "SM1", from: "+14155550100", to: "+14155550199", text: "STOP", media: [],
            receivedAt: now, acceptedAt: now, sequence: 1, incomplete: nil
        )
        let message = try #require(
            try KeywordConfirmation.message(for: .optOut, replies: replies, inbound: inbound, conversation: "conv-1", traceparent: "00-x"))
        #expect(message.routingKey == "sms.demo" && message.messageID == "m9.keyword-reply")
        let sms = try SwitchboardJSON.decoder().decode(OutboundSMS.self, from: message.body)
        #expect(sms.to == "+14155550100" && sms.from == "+14155550199" && sms.text == "Bye now" && sms.parts == ["Bye now"])
        #expect(sms.interactionId == nil)
        #expect(try KeywordConfirmation.message(for: .optIn, replies: replies, inbound: inbound, conversation: "c", traceparent: "t") == nil)
    }

    @Test func receiptsComeBackToTheChannelsOwnWebhook() {
        func channel(_ carrier: Carrier, token: String? = nil) -> ChannelSettings {
            ChannelSettings(
                name: "main", carrier: carrier, defaultRegion: "US", publicBaseURL: "https://sb.example.com",
                credentials: token.map { ["url_token": $0] } ?? [:], createdAt: now, updatedAt: now)
        }
        #expect(ReceiptWebhookURL.url(for: channel(.twilio)) == "https://sb.example.com/v1/webhooks/twilio/main/status")
        #expect(ReceiptWebhookURL.url(for: channel(.vonage)) == "https://sb.example.com/v1/webhooks/vonage/main/receipt")
        #expect(ReceiptWebhookURL.url(for: channel(.kannel, token: "a b")) == "https://sb.example.com/v1/webhooks/kannel/main/receipt?token=a%20b")
        #expect(ReceiptWebhookURL.url(for: channel(.simulator)) == nil)
    }
}

/// A plan that was not the one expected.
struct PlanFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
