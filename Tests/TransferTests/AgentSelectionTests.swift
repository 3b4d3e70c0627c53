import Foundation
import Testing

@testable import Transfer

@Suite("Agent selection")
struct AgentSelectionTests {
    let selection = AgentSelection()
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func agent(
        _ id: String, queues: [String] = ["sales"], ready: Bool = true, capacity: Int = 5, reserved: Int = 0,
        readySince: TimeInterval? = 0, assigned: TimeInterval? = nil, ended: TimeInterval? = nil
    ) -> AgentSelection.Candidate {
        AgentSelection.Candidate(
            id: id, queues: queues, ready: ready, capacity: capacity, reserved: reserved,
            readySince: readySince.map { t0.addingTimeInterval($0) }, lastAssignedAt: assigned.map { t0.addingTimeInterval($0) },
            lastAssignmentEndedAt: ended.map { t0.addingTimeInterval($0) }
        )
    }

    @Test func onlyReadyAgentsOfTheQueueWithSpareCapacity() {
        let candidates = [
            agent("a-not-ready", ready: false, readySince: nil),
            agent("b-other-queue", queues: ["support"]),
            agent("c-full", capacity: 2, reserved: 2),
            agent("d-zero-capacity", capacity: 0),
            agent("e-ok", readySince: 100),
        ]
        #expect(selection.pick(from: candidates, queue: "sales", declined: [])?.id == "e-ok")
        #expect(selection.ranked(candidates, queue: "sales", declined: []).map(\.id) == ["e-ok"])
    }

    @Test func nobodyEligibleMeansTheInteractionWaits() {
        #expect(selection.pick(from: [], queue: "sales", declined: []) == nil)
        #expect(selection.pick(from: [agent("a", capacity: 1, reserved: 1)], queue: "sales", declined: []) == nil)
        #expect(selection.pick(from: [agent("a", ready: false)], queue: "sales", declined: []) == nil)
    }

    @Test func neverAnAgentWhoDeclined() {
        let candidates = [agent("a", readySince: 0), agent("b", readySince: 50)]
        #expect(selection.pick(from: candidates, queue: "sales", declined: ["a"])?.id == "b")
        #expect(selection.pick(from: candidates, queue: "sales", declined: ["a", "b"]) == nil)
    }

    @Test func longestIdleFirst() {
        let candidates = [
            agent("recently-ready", readySince: 300),
            agent("ready-long-ago-but-just-assigned", readySince: 0, assigned: 400),
            agent("finished-one-at-200", readySince: 10, ended: 200),
            agent("ready-at-100", readySince: 100),
        ]
        #expect(
            selection.ranked(candidates, queue: "sales", declined: []).map(\.id) == [
                "ready-at-100", "finished-one-at-200", "recently-ready", "ready-long-ago-but-just-assigned",
            ])
    }

    @Test func idleSinceIsTheLatestMark() {
        let candidate = agent("a", readySince: 10, assigned: 30, ended: 20)
        #expect(candidate.idleSince == t0.addingTimeInterval(30))
        #expect(agent("b", readySince: nil).idleSince == .distantPast)
    }

    @Test func tiesGoToTheSmallerID() {
        let candidates = [agent("carol", readySince: 5), agent("alice", readySince: 5), agent("bob", readySince: 5)]
        #expect(selection.pick(from: candidates, queue: "sales", declined: [])?.id == "alice")
        #expect(selection.ranked(candidates, queue: "sales", declined: []).map(\.id) == ["alice", "bob", "carol"])
    }

    @Test func spareCapacityCountsReservations() {
        #expect(agent("a", capacity: 3, reserved: 1).spare == 2)
        #expect(agent("a", capacity: 3, reserved: 5).spare == 0)
    }
}
