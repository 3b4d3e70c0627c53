import Foundation
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Transfer

/// The rules of due callbacks reaching a person (docs/architecture.md section 10.3), without I/O.
@Suite("Callback offers")
struct CallbackOfferRulesTests {
    let selection = AgentSelection()

    func agent(
        _ id: String, queues: [String] = ["sales"], ready: Bool = true, capacity: Int = 5, reserved: Int = 0, readySince: TimeInterval = 0
    )
        -> AgentSelection.Candidate
    {
        AgentSelection.Candidate(
            id: id, queues: queues, ready: ready, capacity: capacity, reserved: reserved,
            readySince: Date(timeIntervalSince1970: 1_700_000_000 + readySince), lastAssignedAt: nil, lastAssignmentEndedAt: nil)
    }

    @Test func waitingIsOfferedThenAcceptedOrReturned() {
        #expect(DueCallbackState.waiting.offered() == .offered)
        #expect(DueCallbackState.offered.accepted() == .accepted)
        #expect(DueCallbackState.offered.returned() == .waiting)
    }

    @Test func noOtherTransitions() {
        var reachable: [DueCallbackState: Set<DueCallbackState>] = [:]
        for state in DueCallbackState.allCases {
            reachable[state] = Set([state.offered(), state.accepted(), state.returned()].compactMap { $0 })
        }
        #expect(reachable == [.waiting: [.offered], .offered: [.accepted, .waiting], .accepted: []])
    }

    @Test func anAgentCallbackGoesToThatAgentOnlyWhenAvailable() {
        let target = CallbackSummary.Target(type: "agent", id: "kate")
        // Queue membership does not matter for an agent's own callback.
        #expect(selection.pick(forCallbackTo: target, from: [agent("kate", queues: [])], declined: [])?.id == "kate")
        #expect(selection.pick(forCallbackTo: target, from: [agent("kate", ready: false)], declined: []) == nil)
        #expect(selection.pick(forCallbackTo: target, from: [agent("kate", capacity: 1, reserved: 1)], declined: []) == nil)
        #expect(selection.pick(forCallbackTo: target, from: [agent("kate")], declined: ["kate"]) == nil)
        #expect(selection.pick(forCallbackTo: target, from: [agent("sam")], declined: []) == nil)
    }

    @Test func aQueueCallbackGoesToTheLongestIdleMemberWhoHasNotDeclined() {
        let target = CallbackSummary.Target(type: "queue", id: "sales")
        let candidates = [agent("ann", readySince: 10), agent("bob", readySince: 5), agent("carl", queues: ["support"], readySince: 0)]
        #expect(selection.pick(forCallbackTo: target, from: candidates, declined: [])?.id == "bob")
        #expect(selection.pick(forCallbackTo: target, from: candidates, declined: ["bob"])?.id == "ann")
        #expect(selection.pick(forCallbackTo: target, from: candidates, declined: ["bob", "ann"]) == nil)
    }

    /// The callback service's Callback object, as `callback.due` carries it.
    @Test func theCallbackOfAnEventDecodesAndOnlySMSIsForTheDesk() throws {
        let json = """
            {"id":"6d8f2b1e-2c4a-4f7e-8b3d-1a9c0e5f7b21","phone":"+14155550100","contact_id":null,"interaction_id":null,
             "due_at":"2026-12-05T10:00:00Z","time_zone":null,"target":{"type":"queue","id":"sales"},"channel":"sms",
             "notes":"Refund","state":"due","scheduled_by":"kate","scheduled_by_name":"Kate Lewis","outcome":null,
             "created_at":"2026-12-05T09:00:00Z","updated_at":"2026-12-05T09:00:00Z","fired_at":"2026-12-05T10:00:00Z",
             "completed_at":null,"a_key_added_later":1}
            """
        let payload = try SwitchboardJSON.decoder().decode(CallbackEventPayload.self, from: Data(json.utf8))
        #expect(payload.isForTheDesk)
        #expect(payload.summary.target == .init(type: "queue", id: "sales"))
        #expect(payload.summary.preview.origin == "callback")
        var voice = payload
        voice.channel = "voice"
        #expect(!voice.isForTheDesk)
    }

    // MARK: Consultations (what transfer reads of session's events)

    func fields(_ object: [String: Any]) throws -> EventDataFields {
        let body = try JSONSerialization.data(withJSONObject: ["data": object])
        return try #require(EventDataFields(cloudEvent: body))
    }

    func consultation(state: String = "open") -> [String: Any] {
        [
            "id": "1b7a4c2e-9d3f-4e8a-b6c1-2f5d8e0a7c93", "interaction_id": "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44",
            "from_agent": ["id": "kate", "name": "Kate"], "agent": ["id": "sam", "name": NSNull()], "state": state,
        ]
    }

    @Test func aConsultationEventNamesItsTwoAgents() throws {
        let change = try ConsultationChange(
            routingKey: "interaction.consultation.started",
            fields: fields(["interaction_id": "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", "consultation": consultation()]))
        #expect(change.fromAgentID == "kate" && change.agentID == "sam" && change.isOpen && change.type == "started")
        let ended = try ConsultationChange(
            routingKey: "interaction.consultation.ended", fields: fields(["consultation": consultation(state: "ended")]))
        #expect(!ended.isOpen && ended.type == "ended" && ended.interactionID == change.interactionID)
    }

    @Test func aMalformedConsultationEventIsRefused() throws {
        #expect(throws: InvalidMessage.self) {
            try ConsultationChange(routingKey: "interaction.consultation.started", fields: try fields(["interaction_id": "x"]))
        }
        var noAgent = consultation()
        noAgent["agent"] = ["name": "Sam"]
        #expect(throws: InvalidMessage.self) {
            try ConsultationChange(routingKey: "interaction.consultation.message", fields: try fields(["consultation": noAgent]))
        }
        #expect(throws: InvalidMessage.self) {
            try ConsultationChange(
                routingKey: "interaction.consultation.ended", fields: try fields(["consultation": consultation(state: "closed")]))
        }
    }
}
