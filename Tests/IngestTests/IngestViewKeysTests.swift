import Foundation
import SwitchboardTestSupport
import Testing

@testable import Ingest

/// Every view ingest answers with writes all of its keys, `null` when unset (issue #13;
/// `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Ingest views write every key")
struct IngestViewKeysTests {
    let created = Date(timeIntervalSince1970: 1_772_000_000)

    func channel(publicBaseURL: String?) -> ChannelSettings {
        ChannelSettings(
            name: "twilio-main", carrier: .twilio, defaultRegion: "US", publicBaseURL: publicBaseURL,
            credentials: ["auth_token": "secret"], allowUnauthenticatedWebhooks: false, createdAt: created, updatedAt: created
        )
    }

    /// `GET /v1/channels/{name}` (schema `Channel`: every key required).
    @Test func channelWithoutPublicBaseURL() throws {
        let audit = try EncodedKeysAudit(of: channel(publicBaseURL: nil).view)
        #expect(audit.missing == [])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["public_base_url"])
    }

    @Test func channelWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: channel(publicBaseURL: "https://sms.example.com").view)
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
