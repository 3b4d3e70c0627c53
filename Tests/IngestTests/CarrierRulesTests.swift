import Foundation
import SwitchboardModels
import Testing

@testable import Ingest

@Suite("Consent keywords")
struct ConsentKeywordTests {
    @Test(arguments: [
        ("STOP", "STOP", "opt_out"), ("stop", "STOP", "opt_out"), ("  Stop.  ", "STOP", "opt_out"), ("STOP!!!", "STOP", "opt_out"),
        ("'stopall'", "STOPALL", "opt_out"), ("Unsubscribe", "UNSUBSCRIBE", "opt_out"), ("cancel", "CANCEL", "opt_out"),
        ("End", "END", "opt_out"), ("quit\n", "QUIT", "opt_out"), ("REVOKE", "REVOKE", "opt_out"), ("optout", "OPTOUT", "opt_out"),
        ("start", "START", "opt_in"), ("Unstop", "UNSTOP", "opt_in"), ("yes!", "YES", "opt_in"),
        ("HELP", "HELP", "help"), ("info?", "INFO", "help"),
    ])
    func detects(text: String, keyword: String, action: String) {
        let match = ConsentKeywords.detect(text)
        #expect(match?.keyword == keyword)
        #expect(match?.action.rawValue == action)
    }

    @Test(arguments: ["stop it", "please stop", "STOP2", "S T O P", "", "   ", "stöp", "opt out", "yes please", "unstoppable"])
    func ignores(text: String) {
        #expect(ConsentKeywords.detect(text) == nil)
    }
}

@Suite("User data header")
struct UserDataHeaderTests {
    @Test func eightBitReference() {
        #expect(UserDataHeader.concatenation([0x05, 0x00, 0x03, 0x2A, 0x03, 0x01]) == .init(ref: 42, total: 3, seq: 1))
    }

    @Test func sixteenBitReference() {
        #expect(UserDataHeader.concatenation([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x02]) == .init(ref: 0x1234, total: 2, seq: 2))
    }

    @Test func otherElementsAreSkipped() {
        // A port-addressing element (0x04) before the concatenation.
        #expect(UserDataHeader.concatenation([0x09, 0x04, 0x02, 0x0B, 0x84, 0x00, 0x03, 0x07, 0x02, 0x01]) == .init(ref: 7, total: 2, seq: 1))
    }

    @Test(
        arguments: [
            [], [0x00], [0x05, 0x00, 0x03, 0x2A, 0x03], [0x05, 0x00, 0x03, 0x2A, 0x03, 0x04], [0x05, 0x00, 0x03, 0x2A, 0x00, 0x00],
            [0x04, 0x04, 0x02, 0x0B, 0x84],
        ] as [[UInt8]])
    func malformedOrAbsent(udh: [UInt8]) {
        #expect(UserDataHeader.concatenation(udh) == nil)
    }
}

@Suite("Long-SMS reassembly")
struct PartAssemblyTests {
    func part(_ seq: Int, _ text: String) -> PartAssembly.Part { .init(seq: seq, carrierMessageID: "id\(seq)", text: text) }

    @Test(arguments: [[1, 2, 3], [3, 2, 1], [2, 3, 1], [3, 1, 2]])
    func joinsInOrderWhateverTheArrival(order: [Int]) {
        let texts = [1: "Here is my ", 2: "account number ", 3: "123-456"]
        let assembly = PartAssembly(total: 3, parts: order.map { part($0, texts[$0]!) })
        #expect(assembly.isComplete)
        #expect(assembly.text == "Here is my account number 123-456")
        #expect(assembly.carrierMessageID == "id1")
    }

    @Test func incompleteKeepsWhatArrived() {
        let assembly = PartAssembly(total: 3, parts: [part(3, "c"), part(2, "b")])
        #expect(!assembly.isComplete)
        #expect(assembly.text == "bc")
        #expect(assembly.missing == [1])
        #expect(assembly.carrierMessageID == "id2")
    }

    @Test func aRepeatedSeqCountsOnce() {
        let assembly = PartAssembly(total: 2, parts: [part(1, "a"), .init(seq: 1, carrierMessageID: "other", text: "x")])
        #expect(!assembly.isComplete)
        #expect(assembly.text == "a")
    }
}

@Suite("Delivery status table")
struct DeliveryStatusTableTests {
    @Test(
        arguments: [
            ("queue", "delivered", "delivered"), ("queue", "SENT", "sent"), ("queue", "bogus", nil),
            ("twilio", "accepted", "queued"), ("twilio", "queued", "queued"), ("twilio", "sending", "sent"), ("twilio", "sent", "sent"),
            ("twilio", "delivered", "delivered"), ("twilio", "read", "delivered"), ("twilio", "undelivered", "undelivered"),
            ("twilio", "failed", "failed"), ("twilio", "canceled", "failed"), ("twilio", "received", nil),
            ("vonage", "accepted", "sent"), ("vonage", "buffered", "sent"), ("vonage", "delivered", "delivered"),
            ("vonage", "expired", "undelivered"), ("vonage", "failed", "failed"), ("vonage", "rejected", "failed"), ("vonage", "unknown", nil),
            ("jasmin", "ESME_ROK", "sent"), ("jasmin", "ESME_RINVDSTADR", "failed"), ("jasmin", "DELIVRD", "delivered"),
            ("jasmin", "UNDELIV", "undelivered"), ("jasmin", "EXPIRED", "undelivered"), ("jasmin", "REJECTD", "failed"),
            ("jasmin", "ACCEPTD", "sent"), ("jasmin", "UNKNOWN", nil),
            ("kannel", "1", "delivered"), ("kannel", "2", "undelivered"), ("kannel", "4", "queued"), ("kannel", "8", "sent"),
            ("kannel", "16", "failed"), ("kannel", "9", "delivered"), ("kannel", "12", "sent"), ("kannel", "0", nil), ("kannel", "x", nil),
        ] as [(String, String, String?)])
    func maps(source: String, raw: String, expected: String?) {
        #expect(DeliveryStatusTable.status(raw, from: DeliveryStatusTable.Source(rawValue: source)!) == expected)
    }

    @Test func everyMappedStatusIsInTheContract() {
        for source in DeliveryStatusTable.Source.allCases {
            for raw in ["queued", "sent", "delivered", "read", "accepted", "ESME_ROK", "DELIVRD", "1", "2", "4", "8", "16", "failed"] {
                if let status = DeliveryStatusTable.status(raw, from: source) { #expect(MessageStatus.statuses.contains(status)) }
            }
        }
    }

    @Test func noErrorCodesAreDropped() {
        #expect(DeliveryStatusTable.errorCode("0") == nil)
        #expect(DeliveryStatusTable.errorCode("000") == nil)
        #expect(DeliveryStatusTable.errorCode("") == nil)
        #expect(DeliveryStatusTable.errorCode("30003") == "30003")
    }
}

@Suite("Carrier payloads")
struct CarrierPayloadTests {
    @Test func twilioInboundWithMedia() {
        let fields = FormFields(
            encoded: "MessageSid=SM1&AccountSid=AC1&From=%2B14155550100&To=%2B14155550199&Body=Hi+there&NumMedia=1"
                + "&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2FMedia%2FME1&MediaContentType0=image%2Fjpeg&NumSegments=1&Unknown=x")
        let message = CarrierPayloads.twilioInbound(fields, channel: "tw")
        #expect(message.id == "SM1" && message.channel == "tw" && message.from == "+14155550100" && message.to == "+14155550199")
        #expect(message.text == "Hi there")
        #expect(message.media == [.init(url: "https://api.twilio.com/Media/ME1", contentType: "image/jpeg")])
    }

    @Test func twilioStatusCallback() {
        let receipt = CarrierPayloads.twilioReceipt(FormFields([("MessageSid", "SM9"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")]))
        #expect(receipt == CarrierReceipt(carrierID: "SM9", rawStatus: "undelivered", status: "undelivered", errorCode: "30003", at: nil))
    }

    @Test func vonageConcatenatedPart() {
        let fields = FormFields([
            ("msisdn", "447700900001"), ("to", "447700900000"), ("messageId", "0A0000001"), ("text", "part two"), ("type", "text"),
            ("message-timestamp", "2026-11-20 13:23:14"), ("concat", "true"), ("concat-ref", "7"), ("concat-total", "2"), ("concat-part", "2"),
        ])
        let message = CarrierPayloads.vonageInbound(fields, channel: "vn")
        #expect(message.from == "+447700900001" && message.to == "+447700900000")
        #expect(message.part == .init(ref: 7, total: 2, seq: 2))
        #expect(message.receivedAt.flatMap(RFC3339.date(from:)) == RFC3339.date(from: "2026-11-20T13:23:14Z"))
    }

    @Test func vonageJSONValuesAreStrings() {
        let fields = FormFields(
            json: Array(
                #"{"msisdn":"447700900001","to":"74000","messageId":"X","text":"hi","concat":true,"concat-ref":3,"concat-total":2,"concat-part":1}"#
                    .utf8))
        let message = CarrierPayloads.vonageInbound(fields!, channel: "vn")
        #expect(message.to == "74000")
        #expect(message.part == .init(ref: 3, total: 2, seq: 1))
    }

    @Test func jasminUCS2FromBinary() {
        let fields = FormFields([("id", "J1"), ("from", "+14155550100"), ("to", "+14155550199"), ("coding", "8"), ("binary", "00480069002020AC")])
        #expect(CarrierPayloads.jasminInbound(fields, channel: "js").text == "Hi €")
    }

    @Test func kannelUDHPartInUTF16() {
        let fields = FormFields(
            encoded:
                "sender=%2B14155550100&receiver=%2B14155550199&text=%00H%00i&charset=UTF-16BE&coding=2&udh=%05%00%03%2A%03%01&ts=1795699394&id=k1")
        let message = CarrierPayloads.kannelInbound(fields, body: nil, headers: [:], channel: "kn", digests: CryptoDigests())
        #expect(message.text == "Hi")
        #expect(message.part == .init(ref: 42, total: 3, seq: 1))
        #expect(message.id == "k1")
        #expect(message.receivedAt.flatMap(RFC3339.date(from:)) == Date(timeIntervalSince1970: 1_795_699_394))
    }

    @Test func kannelWithoutIdGetsAStableOne() {
        let fields = FormFields(encoded: "sender=%2B14155550100&receiver=%2B14155550199&text=hello&ts=1795699394")
        let first = CarrierPayloads.kannelInbound(fields, body: nil, headers: [:], channel: "kn", digests: CryptoDigests())
        let again = CarrierPayloads.kannelInbound(fields, body: nil, headers: [:], channel: "kn", digests: CryptoDigests())
        #expect(first.id != nil && first.id == again.id && first.id!.hasPrefix("kannel-"))
    }

    @Test func kannelReceiptBits() {
        #expect(CarrierPayloads.kannelReceipt(FormFields(encoded: "id=abc&status=8"))?.status == "sent")
        #expect(CarrierPayloads.kannelReceipt(FormFields(encoded: "status=8")) == nil)
    }
}

@Suite("Channel settings")
struct ChannelSettingsTests {
    let now = Date(timeIntervalSince1970: 1_795_699_394)

    @Test func twilioNeedsTokenAndURL() throws {
        let body = ChannelRequest(carrier: "twilio", defaultRegion: nil, publicBaseUrl: "https://sb.example.com/", credentials: ["auth_token": "t"])
        let settings = try body.settings(name: "tw-main", existing: nil, serviceRegion: "US", now: now)
        #expect(settings.publicBaseURL == "https://sb.example.com" && settings.defaultRegion == "US")
        #expect(settings.view.credentialsSet == ["auth_token"])
        #expect(throws: (any Error).self) {
            _ = try ChannelRequest(carrier: "twilio", publicBaseUrl: "https://x").settings(name: "t", existing: nil, serviceRegion: "US", now: now)
        }
        #expect(throws: (any Error).self) {
            _ = try ChannelRequest(carrier: "twilio", credentials: ["auth_token": "t"]).settings(
                name: "t", existing: nil, serviceRegion: "US", now: now)
        }
    }

    @Test func credentialsAreKeptWhenAbsent() throws {
        let first = try ChannelRequest(carrier: "vonage", credentials: ["signature_secret": "s"]).settings(
            name: "v", existing: nil, serviceRegion: "US", now: now)
        let second = try ChannelRequest(carrier: "vonage", defaultRegion: "gb").settings(name: "v", existing: first, serviceRegion: "US", now: now)
        #expect(second.credentials == ["signature_secret": "s"] && second.defaultRegion == "GB")
    }

    @Test(arguments: [("vonage", "signature_secret"), ("jasmin", "url_token"), ("kannel", "url_token")])
    func webhooksAreNeverOpenUnlessAllowed(carrier: String, credential: String) throws {
        #expect(throws: (any Error).self) {
            _ = try ChannelRequest(carrier: carrier).settings(name: "c", existing: nil, serviceRegion: "US", now: now)
        }
        let secured = try ChannelRequest(carrier: carrier, credentials: [credential: "s"]).settings(
            name: "c", existing: nil, serviceRegion: "US", now: now)
        #expect(!secured.lacksWebhookCredential && !secured.webhooksRefused)
        let open = try ChannelRequest(carrier: carrier, allowUnauthenticatedWebhooks: true)
            .settings(name: "c", existing: nil, serviceRegion: "US", now: now)
        #expect(open.lacksWebhookCredential && !open.webhooksRefused && open.view.allowUnauthenticatedWebhooks)
        // The choice is kept when a later body leaves it out, and withdrawing it needs a secret.
        let kept = try ChannelRequest(carrier: carrier, defaultRegion: "GB").settings(name: "c", existing: open, serviceRegion: "US", now: now)
        #expect(kept.allowUnauthenticatedWebhooks)
        #expect(throws: (any Error).self) {
            _ = try ChannelRequest(carrier: carrier, allowUnauthenticatedWebhooks: false).settings(
                name: "c", existing: open, serviceRegion: "US", now: now)
        }
    }

    @Test func channelsStoredWithoutASecretBeforeTheRuleAreRefused() {
        let legacy = ChannelSettings(
            name: "old", carrier: .kannel, defaultRegion: "US", publicBaseURL: nil, credentials: [:], createdAt: now, updatedAt: now
        )
        #expect(legacy.webhooksRefused)
        let amqp = ChannelSettings(
            name: "q", carrier: .amqp, defaultRegion: "US", publicBaseURL: nil, credentials: [:], createdAt: now, updatedAt: now)
        #expect(!amqp.lacksWebhookCredential && !amqp.webhooksRefused)
    }

    @Test(
        arguments: [("bogus", nil, nil), ("kannel", "ZZ", nil), ("kannel", nil, "ftp://x"), ("kannel", nil, "https://x/?a=1")]
            as [(String, String?, String?)])
    func rejects(carrier: String, region: String?, url: String?) {
        #expect(throws: (any Error).self) {
            _ = try ChannelRequest(carrier: carrier, defaultRegion: region, publicBaseUrl: url).settings(
                name: "c", existing: nil, serviceRegion: "US", now: now)
        }
    }
}
