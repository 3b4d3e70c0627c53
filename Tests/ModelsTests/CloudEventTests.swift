import Foundation
import Testing

@testable import SwitchboardModels

@Suite("CloudEvents envelope")
struct CloudEventTests {
    let sample = InteractionMessageAppended(
        interactionId: "i-1", seq: 3, kind: "message", direction: "inbound", messageId: "m-1",
        at: Date(timeIntervalSince1970: 1_763_645_000.123)
    )

    @Test func encodesStructuredModeWithContractFields() throws {
        let event = CloudEvent(
            id: "e-1", source: "/switchboard/session", eventType: EventType.interactionMessageAppended.rawValue,
            time: Date(timeIntervalSince1970: 1_763_645_000), subject: "i-1", traceparent: nil, data: sample
        )
        let json = try JSONSerialization.jsonObject(with: SwitchboardJSON.encoder().encode(event)) as? [String: Any]
        #expect(json?["specversion"] as? String == "1.0")
        #expect(json?["id"] as? String == "e-1")
        #expect(json?["source"] as? String == "/switchboard/session")
        #expect(json?["type"] as? String == "switchboard.interaction.message.appended")
        #expect(json?["subject"] as? String == "i-1")
        #expect(json?["datacontenttype"] as? String == "application/json")
        #expect(json?["time"] as? String == "2025-11-20T13:23:20.000Z")
        let data = json?["data"] as? [String: Any]
        #expect(data?["interaction_id"] as? String == "i-1", "data fields are snake_case")
        #expect(data?["message_id"] as? String == "m-1")
    }

    @Test func roundTripsAndStripsPrefix() throws {
        let event = CloudEvent(
            id: "e-2", source: "/switchboard/session", eventType: "interaction.message.appended",
            time: Date(), subject: nil, traceparent: TraceContext.newTraceparent(), data: sample)
        let decoded = try SwitchboardJSON.decoder().decode(
            CloudEvent<InteractionMessageAppended>.self, from: SwitchboardJSON.encoder().encode(event)
        )
        #expect(decoded.eventType == "interaction.message.appended")
        #expect(decoded.data.seq == 3)
        #expect(abs(decoded.data.at.timeIntervalSince(sample.at)) < 0.001)
    }

    @Test(arguments: ["2026-11-20T13:23:14Z", "2026-11-20T13:23:14.5Z", "2026-11-20T14:23:14+01:00"])
    func readsRFC3339Variants(text: String) {
        let date = RFC3339.date(from: text)
        #expect(date != nil)
        #expect(abs((date?.timeIntervalSince1970 ?? 0) - 1_795_180_994) < 1)
    }

    @Test func rejectsNonRFC3339() {
        #expect(RFC3339.date(from: "20/11/2026") == nil)
        #expect(RFC3339.date(from: "") == nil)
    }
}

@Suite("W3C trace context")
struct TraceContextTests {
    @Test func newTraceparentIsValid() {
        let value = TraceContext.newTraceparent()
        #expect(TraceContext.traceID(of: value) != nil)
    }

    /// Version 00, 32 and 16 lowercase hex digits, sampled; every id new.
    @Test func newTraceparentsHaveTheW3CShapeAndDiffer() {
        let values = (0..<200).map { _ in TraceContext.newTraceparent() }
        let lowercaseHex = Set("0123456789abcdef")
        for value in values {
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.map(\.count) == [2, 32, 16, 2])
            #expect(parts.first == "00" && parts.last == "01")
            #expect(parts[1].allSatisfy(lowercaseHex.contains) && parts[2].allSatisfy(lowercaseHex.contains))
        }
        #expect(Set(values.map { $0.split(separator: "-")[1] }).count == values.count)
        #expect(Set(values.map { $0.split(separator: "-")[2] }).count == values.count)
        // Each position of the span ids takes many values: no stuck nibble.
        for position in 0..<16 {
            #expect(Set(values.map { Array($0.split(separator: "-")[2])[position] }).count > 8)
        }
    }

    @Test func childKeepsTraceID() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let child = TraceContext.child(of: parent)
        #expect(TraceContext.traceID(of: child) == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(child != parent)
    }

    @Test(arguments: ["", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-xyz-00f067aa0ba902b7-01"])
    func invalidParentStartsNewTrace(parent: String) {
        #expect(TraceContext.traceID(of: parent) == nil)
        #expect(TraceContext.traceID(of: TraceContext.child(of: parent)) != nil)
    }
}
