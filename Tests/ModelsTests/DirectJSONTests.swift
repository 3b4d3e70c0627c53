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
}
