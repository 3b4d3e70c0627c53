import Foundation
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Ingest

@Suite("Inbound message validation")
struct InboundValidatorTests {
    let validator = InboundValidator(defaultRegion: "US")
    let now = Date(timeIntervalSince1970: 1_795_699_394)

    func message(
        id: String? = "SM1", channel: String? = nil, from: String? = "(415) 555-0100", to: String? = "+1 415 555 0199",
        text: String? = "Hello", media: [InboundMessage.Media]? = nil, part: InboundMessage.Part? = nil, receivedAt: String? = nil
    ) -> InboundMessage {
        InboundMessage(id: id, channel: channel, from: from, to: to, text: text, receivedAt: receivedAt, media: media, part: part)
    }

    @Test func normalisesNumbersAndDefaults() throws {
        let valid = try validator.validate(message(), now: now)
        #expect(valid.from == "+14155550100")
        #expect(valid.to == "+14155550199")
        #expect(valid.channel == "default")
        #expect(valid.carrierMessageID == "SM1")
        #expect(valid.receivedAt == now)
    }

    @Test func refusesNULInAnyFieldNamingIt() {
        let cases: [(InboundMessage, String)] = [
            (message(text: "Hi\u{0}there"), "text"),
            (message(id: "SM\u{0}1"), "id"),
            (message(from: "+1415555\u{0}0100"), "from"),
            (message(channel: "main\u{0}"), "channel"),
            (
                message(media: [InboundMessage.Media(url: "https://example.net/a.jpg", data: nil, contentType: "image/jpeg", filename: "a\u{0}.jpg")]
                ),
                "media[0].filename"
            ),
        ]
        for (input, field) in cases {
            #expect(throws: InvalidMessage("\(field) contains a NUL character (U+0000)")) { try validator.validate(input, now: now) }
        }
    }

    @Test func acceptsShortCodeAsOrganisationNumber() throws {
        #expect(try validator.validate(message(to: "74000"), now: now).to == "74000")
    }

    @Test func keepsGivenReceivedAt() throws {
        let valid = try validator.validate(message(receivedAt: "2026-11-20T13:23:14Z"), now: now)
        #expect(valid.receivedAt == RFC3339.date(from: "2026-11-20T13:23:14Z"))
    }

    @Test func mediaOnlyIsAccepted() throws {
        let valid = try validator.validate(
            message(text: nil, media: [.init(url: "https://api.example.net/Media/ME1", contentType: "image/jpeg")]), now: now
        )
        #expect(valid.text == "")
        #expect(valid.media.count == 1)
    }

    @Test(arguments: [
        ("id", "missing field id"),
        ("from", "missing field from"),
        ("to", "missing field to"),
        ("text", "text is required unless media is present"),
        ("badFrom", "from is not a valid phone number"),
        ("badChannel", "channel must be"),
        ("badTime", "received_at is not an RFC 3339 time"),
        ("badMedia", "needs exactly one of url or data"),
        ("ftpMedia", "must be an http or https URL"),
        ("part", "part.seq must be 1-2"),
        ("partTotal", "part.total must be 1-255"),
        ("partRef", "part.ref must be 0-65535"),
    ])
    func rejectsWithReadableReason(field: String, reason: String) {
        let bad: InboundMessage =
            switch field {
            case "id": message(id: nil)
            case "from": message(from: nil)
            case "to": message(to: "")
            case "text": message(text: "")
            case "badFrom": message(from: "call me maybe")
            case "badChannel": message(channel: "no spaces allowed")
            case "badTime": message(receivedAt: "yesterday")
            case "badMedia": message(media: [.init(url: "https://x.example/a", data: "AAAA")])
            case "ftpMedia": message(media: [.init(url: "ftp://x.example/a")])
            case "partTotal": message(part: .init(ref: 1, total: 0, seq: 1))
            case "partRef": message(part: .init(ref: 70_000, total: 2, seq: 1))
            default: message(part: .init(ref: 1, total: 2, seq: 3))
            }
        do {
            _ = try validator.validate(bad, now: now)
            Issue.record("expected \(field) to be rejected")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test func acceptsAPartAndKeepsIt() throws {
        let valid = try validator.validate(message(part: .init(ref: 42, total: 3, seq: 2)), now: now)
        #expect(valid.part == .init(ref: 42, total: 3, seq: 2))
    }

    @Test func aPartOfOneIsAWholeMessage() throws {
        #expect(try validator.validate(message(part: .init(ref: 42, total: 1, seq: 1)), now: now).part == nil)
    }

    @Test func nationalNumbersUseTheChannelRegion() throws {
        let valid = try validator.validate(message(from: "07700 900123", to: "+44 7700 900000"), now: now, region: "GB")
        #expect(valid.from == "+447700900123")
        let american = try validator.validate(message(), now: now, region: nil)
        #expect(american.from == "+14155550100")
    }
}
