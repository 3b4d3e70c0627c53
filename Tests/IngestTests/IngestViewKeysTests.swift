import Foundation
import SwitchboardTestSupport
import Testing

@testable import Ingest

/// Every view ingest answers with writes all of its keys, `null` when unset (issue #13;
/// `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Ingest views write every key")
struct IngestViewKeysTests {
    let created = Date(timeIntervalSince1970: 1_772_000_000)

    func channel(publicBaseURL: String?, outbound: OutboundSettings? = nil) -> ChannelSettings {
        ChannelSettings(
            name: "twilio-main", carrier: .twilio, defaultRegion: "US", publicBaseURL: publicBaseURL,
            credentials: ["auth_token": "secret"], allowUnauthenticatedWebhooks: false, outbound: outbound, createdAt: created,
            updatedAt: created
        )
    }

    let everyOutboundOption = OutboundSettings(
        enabled: true, apiBaseUrl: "https://api.twilio.com", from: "+14155550199", maxPerSecond: 1, concatenate: true,
        deliveryDelayMs: 200, failNumbers: ["+14155550100"], keywordReplies: KeywordReplies(stop: "Bye", start: nil, help: nil)
    )

    /// `GET /v1/channels/{name}` (schema `Channel`: every key required).
    @Test func channelWithoutPublicBaseURL() throws {
        let audit = try EncodedKeysAudit(of: channel(publicBaseURL: nil).view)
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["outbound", "public_base_url"])
    }

    /// A channel that sends, with no optional outbound setting: they are `null` too.
    @Test func channelWithBareOutboundSettings() throws {
        let bare = OutboundSettings(
            enabled: true, apiBaseUrl: nil, from: nil, maxPerSecond: 10, concatenate: true, deliveryDelayMs: nil, failNumbers: nil,
            keywordReplies: nil
        )
        let audit = try EncodedKeysAudit(of: bare.view)
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["api_base_url", "delivery_delay_ms", "fail_numbers", "from"])
    }

    @Test func channelWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: channel(publicBaseURL: "https://sms.example.com", outbound: everyOutboundOption).view)
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == [])
    }

    /// `POST /v1/inbound` (schemas `InboundAccepted` / `InboundDuplicate`).
    @Test func inboundOutcome() throws {
        let audit = try EncodedKeysAudit(of: InboundAcceptor.Outcome(messageId: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", duplicate: false))
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
    }
}
