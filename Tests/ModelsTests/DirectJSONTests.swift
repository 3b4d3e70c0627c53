import Foundation
import Testing

@testable import SwitchboardModels

@Suite("Events written without Foundation's encoder")
struct DirectJSONTests {
    /// Every control character, JSON's own specials, slashes, non-ASCII, an emoji, line and
    /// paragraph separators, DEL.
    static let awkwardText =
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        + "\"quoted\" back\\slash a/b </script> é 中文 🙂 \u{2028}\u{2029}\u{7F} end"

    static let texts = ["", "hello", "bench:1234:5 hello, I need help with my order", awkwardText]

    private func foundation<Payload: Codable & Sendable>(_ event: CloudEvent<Payload>) throws -> Data {
        try SwitchboardJSON.encoder().encode(event)
    }

    private func event<Payload: Codable & Sendable>(_ payload: Payload, subject: String?, traceparent: String?) -> CloudEvent<Payload> {
        CloudEvent(
            id: "7dcdf6d3-b86d-4261-a928-a3ebefb0f511", source: "/switchboard/ingest", eventType: "message.received",
            time: Date(timeIntervalSince1970: 1_795_445_061.967), subject: subject, traceparent: traceparent, data: payload
        )
    }

    @Test(arguments: texts)
    func messageReceivedIsWhatFoundationWrites(text: String) throws {
        let media = [
            MessageReceived.MediaItem(index: 0, contentType: "image/jpeg", filename: "a/b.jpg"),
            MessageReceived.MediaItem(index: 1, contentType: nil, filename: nil),
        ]
        for (items, incomplete) in [([], nil), (media, true), (media, false)] as [([MessageReceived.MediaItem], Bool?)] {
            let payload = MessageReceived(
                messageId: "m-1", channel: "default", carrierMessageId: "carrier/\(text)", from: "+15551234567", to: "+15557654321",
                text: text, media: items, receivedAt: Date(timeIntervalSince1970: 1_795_445_061.5),
                acceptedAt: Date(timeIntervalSince1970: 1_795_445_062.123), sequence: 9_007_199_254_740_993, incomplete: incomplete
            )
            for (subject, traceparent) in [(nil, nil), ("i-1", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")] as [(String?, String?)] {
                let event = event(payload, subject: subject, traceparent: traceparent)
                let direct = try #require(event.directJSON())
                #expect(direct == (try foundation(event)), "\(String(decoding: direct, as: UTF8.self))")
            }
        }
    }

    @Test func interactionMessageAppendedIsWhatFoundationWrites() throws {
        let payloads = [
            InteractionMessageAppended(
                interactionId: "i-1", seq: 3, kind: "message", direction: "inbound", messageId: "m-1",
                at: Date(timeIntervalSince1970: 1_763_645_000.123), mediaCount: 0),
            InteractionMessageAppended(
                interactionId: "i-2", seq: -1, kind: "system", direction: nil, messageId: nil, at: Date(timeIntervalSince1970: 0)),
            InteractionMessageAppended(
                interactionId: Self.awkwardText, seq: Int.max, kind: "message", direction: "outbound", messageId: "x", at: Date(), mediaCount: 2),
        ]
        for payload in payloads {
            let event = event(payload, subject: payload.interactionId, traceparent: nil)
            let direct = try #require(event.directJSON())
            #expect(direct == (try foundation(event)), "\(String(decoding: direct, as: UTF8.self))")
        }
    }

    // MARK: The entry and the interaction the events carry

    static let at = Date(timeIntervalSince1970: 1_763_645_000.123)

    /// A system entry (no direction, an author without id or name), an inbound message with
    /// every kind of entity and a media id, an outbound one with a failed and a queued part.
    static func entries(text: String) -> [TranscriptEntryView] {
        [
            TranscriptEntryView(
                seq: 1, kind: "system", direction: nil, author: AuthorView(type: "system", id: nil, name: nil), text: text, at: at,
                media: [], parts: [], entities: .empty),
            TranscriptEntryView(
                seq: 2, kind: "message", direction: "inbound", author: AuthorView(type: "contact", id: "+14155550100", name: nil), text: text,
                at: Date(timeIntervalSince1970: 0), media: ["m/1"],
                parts: [],
                entities: TranscriptEntities(
                    urls: [
                        URLEntity(text: "www.example.com/a", display: "http://www.example.com/a", suspicious: false),
                        URLEntity(text: "https://exa\u{202E}mple.com", display: "https://exa<U+202E>mple.com", suspicious: true),
                    ], phones: ["+14155550100", "+442071838750"], emails: ["kate@example.com"])),
            TranscriptEntryView(
                seq: Int.max, kind: "message", direction: "outbound", author: AuthorView(type: "agent", id: "kate", name: text), text: text,
                at: at, media: [],
                parts: [
                    .init(text: text, status: "undelivered", errorCode: "30003", errorReason: "Unreachable \"destination\" handset"),
                    .init(text: "second", status: "queued"),
                ],
                entities: TranscriptEntities(urls: [], phones: [], emails: ["a@b.example"])),
        ]
    }

    /// Nothing set (a new queued interaction), and everything set, case data with keys
    /// Foundation must not convert and keys that sort only by their bytes.
    static func interactions(text: String) -> [InteractionView] {
        [
            InteractionView(
                id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", state: "queued", mode: "page", media: "sms", channel: "default",
                from: "+14155550100", to: "+14155550199", queue: "sms", origin: "Inbound SMS Page Mode", contact: nil, owner: nil,
                createdAt: at, closedAt: nil, closeReason: nil, elapsedSeconds: 0, disposition: nil, note: nil, caseData: [:]),
            InteractionView(
                id: "i-2", state: "closed", mode: "session", media: "mms", channel: "twilio/main", from: "+14155550100", to: "12345",
                queue: text, origin: "Inbound MMS Session Mode", contact: PartyView(id: "c-1", name: nil),
                owner: PartyView(id: "kate", name: text), createdAt: Date(timeIntervalSince1970: 0), closedAt: at, closeReason: "done",
                elapsedSeconds: 1_763_645_000, disposition: "resolved", note: text,
                caseData: ["accountNumber": text, "a10": "1", "a9": "2", "Zed": "", "_u": "x", "é": "y", "close_r": "z", "closed": "w"]),
        ]
    }

    @Test(arguments: texts)
    func interactionMessageAppendedWithItsEntryIsWhatFoundationWrites(text: String) throws {
        for entry in Self.entries(text: text) {
            let payload = InteractionMessageAppended(
                interactionId: "i-1", seq: entry.seq, kind: entry.kind, direction: entry.direction, messageId: "m-1", at: entry.at,
                mediaCount: entry.media.count, entry: entry)
            let event = event(payload, subject: payload.interactionId, traceparent: nil)
            let direct = try #require(event.directJSON())
            #expect(direct == (try foundation(event)), "\(String(decoding: direct, as: UTF8.self))")
            // Read back as consumers read it: every key of the entry is there.
            let decoded = try SwitchboardJSON.decoder().decode(CloudEvent<InteractionMessageAppended>.self, from: direct)
            #expect(decoded.data.entry?.entities == entry.entities)
            #expect(decoded.data.entry?.parts == entry.parts)
            #expect(decoded.data.entry?.author == entry.author)
            let data = try #require((try JSONSerialization.jsonObject(with: direct) as? [String: Any])?["data"] as? [String: Any])
            let keys = (data["entry"] as? [String: Any])?.keys.sorted()
            #expect(keys == ["at", "author", "direction", "entities", "kind", "media", "parts", "seq", "text"])
        }
    }

    @Test(arguments: texts)
    func interactionCreatedIsWhatFoundationWrites(text: String) throws {
        let interactions = Self.interactions(text: text)
        var withTranscript = interactions[1]
        withTranscript.transcript = Self.entries(text: text)
        for interaction in [nil] + interactions.map(Optional.some) + [withTranscript] {
            let payload = InteractionCreated(
                interactionId: "i-1", mode: "session", media: "sms", from: "+14155550100", to: "+14155550199", queue: "sms",
                origin: "Inbound SMS Session Mode", createdAt: Self.at, interaction: interaction)
            let event = event(payload, subject: payload.interactionId, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            let direct = try #require(event.directJSON())
            #expect(direct == (try foundation(event)), "\(String(decoding: direct, as: UTF8.self))")
        }
    }

    /// Events published before `entry` and `interaction` existed still read.
    @Test func eventsWithoutTheViewsStillRead() throws {
        let appended = #"{"interaction_id":"i-1","seq":1,"kind":"message","direction":"inbound","at":"2026-11-20T13:23:15.120Z"}"#
        #expect(try SwitchboardJSON.decoder().decode(InteractionMessageAppended.self, from: Data(appended.utf8)).entry == nil)
        let closed = #"{"interaction_id":"i-1","reason":"done","from":"+1","to":"+2","mode":"page","closed_at":"2026-11-20T13:23:15.120Z"}"#
        #expect(try SwitchboardJSON.decoder().decode(InteractionClosed.self, from: Data(closed.utf8)).interaction == nil)
    }

    @Test func otherPayloadsStayWithFoundation() {
        struct Other: Codable, Sendable { var someField: Int }
        #expect(event(Other(someField: 1), subject: nil, traceparent: nil).directJSON() == nil)
    }

    @Test func keysAreSortedByTheirBytes() {
        var members = JSONMembers()
        members.add("media_count", 1)
        members.add("media", "x")
        members.add("Z", "upper")
        members.add("_", "underscore")
        var writer = JSONByteWriter()
        writer.write(members)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"Z":"upper","_":"underscore","media":"x","media_count":1}"#)
    }

    @Test func orNullKeepsTheKey() {
        var members = JSONMembers()
        members.add("gone", String?.none)
        members.add("kept", orNull: String?.none)
        members.add("set", orNull: "x")
        var writer = JSONByteWriter()
        writer.write(members)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"kept":null,"set":"x"}"#)
    }
}
