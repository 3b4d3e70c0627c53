import Foundation
import SwitchboardModels
import Testing

@testable import Callback

/// Transfer's `offer.accepted` as callback reads it: both kinds of offer decode, and an
/// acceptance counts only for the callback's current firing (docs/decisions.md, "The agent
/// who accepted a callback's offer may complete it").
@Suite("Callback: offer.accepted")
struct CallbackOfferAcceptedTests {
    let record = CallbackRecord(
        id: UUID(uuidString: "5B1E7C1A-3F0D-4D8E-9A57-0C2B6F1D0A44")!, phone: "+14155550100", contactID: nil, interactionID: nil,
        dueAt: Date(timeIntervalSince1970: 1_772_000_000.123456), timeZone: nil, target: CallbackTarget(type: .queue, id: "sales"),
        channel: .sms, notes: nil, state: .due, scheduledBy: "kate", scheduledByName: "Kate Lewis", outcome: nil,
        createdAt: Date(timeIntervalSince1970: 1_771_000_000), updatedAt: Date(timeIntervalSince1970: 1_771_000_000),
        firedAt: Date(timeIntervalSince1970: 1_772_000_000.2), completedAt: nil
    )

    /// The offer's JSON as transfer writes it (`OfferView`, snake case, times to the millisecond).
    func offer(kind: String, callback: String) throws -> CallbackOfferAccepted {
        let json = """
            {"id": "0b9f2c1e-4f6a-4c8e-9d0a-1c2b3d4e5f60", "interaction_id": null, "agent_id": "tom", "kind": "\(kind)",
             "state": "accepted", "expires_at": "2026-02-25T06:14:00.000Z", "from_agent": null, "transfer_id": null,
             "created_at": "2026-02-25T06:13:30.000Z", "decided_at": "2026-02-25T06:13:40.000Z",
             "preview": {"from": "+14155550100", "text": null, "origin": "callback", "case_data": {}, "contact": null},
             "callback": \(callback)}
            """
        return try SwitchboardJSON.decoder().decode(CallbackOfferAccepted.self, from: Data(json.utf8))
    }

    let callbackJSON = """
        {"id": "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", "phone": "+14155550100", "contact_id": null, "interaction_id": null,
         "notes": null, "due_at": "2026-02-25T06:13:20.123Z", "target": {"type": "queue", "id": "sales"},
         "scheduled_by": "kate", "scheduled_by_name": "Kate Lewis"}
        """

    @Test func bothKindsOfOfferDecode() throws {
        let route = try offer(kind: "route", callback: "null")
        #expect(route.kind == "route" && route.callback == nil && route.agentId == "tom")
        let accepted = try offer(kind: "callback", callback: callbackJSON)
        let callback = try #require(accepted.callback)
        #expect(callback.id == "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44" && callback.target == .init(type: "queue", id: "sales"))
        #expect(abs(callback.dueAt.timeIntervalSince(record.dueAt)) < 0.001)
    }

    @Test func onlyAnOfferOfTheCurrentFiringCounts() throws {
        let callback = try #require(try offer(kind: "callback", callback: callbackJSON).callback)
        #expect(callback.isOffer(of: record), "the row's microseconds against the event's milliseconds")
        var retargeted = record
        retargeted.target = CallbackTarget(type: .agent, id: "bea")
        #expect(!callback.isOffer(of: retargeted), "re-targeted since")
        var rescheduled = record
        rescheduled.dueAt = record.dueAt.addingTimeInterval(3600)
        #expect(!callback.isOffer(of: rescheduled), "a later firing")
        var completed = record
        completed.state = .completed
        #expect(!callback.isOffer(of: completed))
    }
}
