import Foundation
import SwitchboardModels
import Testing

@testable import Session

@Suite("A delivery report on one part: status forward, the carrier's error with a failure")
struct PartDeliveryUpdateTests {
    typealias Part = TranscriptEntryView.PartView
    let at = Date(timeIntervalSince1970: 1_772_000_000)

    func report(_ status: String, code: String? = nil, reason: String? = nil) -> MessageStatus {
        MessageStatus(messageId: "m-1", part: 1, status: status, errorCode: code, errorReason: reason, at: at)
    }

    @Test func aFailureBringsTheCarriersCodeAndText() {
        let part = PartDeliveryUpdate.applying(
            report("undelivered", code: "30003", reason: "Unreachable destination handset"), to: Part(text: "Hi", status: "sent"))
        #expect(part == Part(text: "Hi", status: "undelivered", errorCode: "30003", errorReason: "Unreachable destination handset"))
    }

    @Test func aRepeatedFailureWithoutDetailsKeepsTheFirstOnes() {
        let failed = Part(text: "Hi", status: "undelivered", errorCode: "30003", errorReason: "Unreachable destination handset")
        #expect(
            PartDeliveryUpdate.applying(report("failed"), to: failed)
                == Part(
                    text: "Hi", status: "failed", errorCode: "30003", errorReason: "Unreachable destination handset"))
        let replaced = PartDeliveryUpdate.applying(report("failed", code: "30007", reason: "Carrier violation"), to: failed)
        #expect(replaced == Part(text: "Hi", status: "failed", errorCode: "30007", errorReason: "Carrier violation"))
    }

    @Test func deliveredAfterAllClearsTheFailure() {
        let failed = Part(text: "Hi", status: "failed", errorCode: "30003", errorReason: "Unreachable destination handset")
        #expect(PartDeliveryUpdate.applying(report("delivered"), to: failed) == Part(text: "Hi", status: "delivered"))
    }

    /// A report that arrives out of order changes nothing, not even the error fields.
    @Test func aLateReportChangesNothing() {
        let failed = Part(text: "Hi", status: "failed", errorCode: "30003", errorReason: "Unreachable destination handset")
        #expect(PartDeliveryUpdate.applying(report("sent", code: "x", reason: "y"), to: failed) == failed)
        let delivered = Part(text: "Hi", status: "delivered")
        #expect(PartDeliveryUpdate.applying(report("undelivered", code: "30003", reason: "late"), to: delivered) == delivered)
    }

    /// A success carries no failure, even if a publisher sent an error code with it.
    @Test func aSuccessHasNoError() {
        #expect(
            PartDeliveryUpdate.applying(report("sent", code: "0", reason: "OK"), to: Part(text: "Hi", status: "queued"))
                == Part(
                    text: "Hi", status: "sent"))
    }

    /// Parts stored before the error fields existed (jsonb `parts` of older rows) still read,
    /// and are written back with both keys.
    @Test func partsStoredWithoutTheErrorKeysStillDecode() throws {
        let old = Data(#"[{"text": "Hi", "status": "sent"}, {"text": "there", "status": "queued"}]"#.utf8)
        let parts = try SwitchboardJSON.decoder().decode([Part].self, from: old)
        #expect(parts == [Part(text: "Hi", status: "sent"), Part(text: "there", status: "queued")])
        let written = String(decoding: try SwitchboardJSON.encoder().encode(parts[0]), as: UTF8.self)
        #expect(written == #"{"error_code":null,"error_reason":null,"status":"sent","text":"Hi"}"#)
    }

    /// `message.status` from a publisher that predates `error_reason` still decodes.
    @Test func aStatusWithoutErrorReasonDecodes() throws {
        let json = Data(#"{"message_id": "m-1", "part": 2, "status": "failed", "error_code": "30005", "at": "2026-11-20T13:23:14Z"}"#.utf8)
        let status = try SwitchboardJSON.decoder().decode(MessageStatus.self, from: json)
        #expect(status.errorCode == "30005")
        #expect(status.errorReason == nil)
        let withReason = Data(
            #"{"message_id": "m-1", "status": "failed", "error_code": "30005", "error_reason": "Unknown destination", "at": "2026-11-20T13:23:14Z"}"#
                .utf8)
        #expect(try SwitchboardJSON.decoder().decode(MessageStatus.self, from: withReason).errorReason == "Unknown destination")
    }
}
