import Foundation
import HTTPTypes
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Session

/// IM consultations without I/O (docs/architecture.md section 10.3): who may invite, read,
/// post and end, what an invitation and an internal message must hold, and the state
/// machine. The database side (the lock order, the partial unique index, auto-ending when the
/// interaction closes or changes owner) is proven end to end (test_e2e_consultation.py).
@Suite("IM consultation rules")
struct ConsultationRulesTests {
    let policy = ConsultationPolicy()
    let access = AccessPolicy()
    let kate = Identity(agentID: "kate", name: "Kate", roles: [.agent], permissions: [])
    let bob = Identity(agentID: "bob", name: "Bob", roles: [.agent], permissions: [])
    let sam = Identity(agentID: "sam", name: "Sam", roles: [.agent], permissions: [])
    let boss = Identity(agentID: "boss", name: "Boss", roles: [.supervisor], permissions: [])
    let ada = Identity(agentID: "ada", name: "Ada", roles: [.admin], permissions: [])
    let system = Identity(agentID: "connector", name: nil, roles: [.system], permissions: [])

    /// Kate (the owner) consulting Bob.
    func consultation(_ state: ConsultationState) -> ConsultationRecord {
        ConsultationRecord(
            id: UUID(), interactionID: UUID(), fromAgentID: "kate", fromAgentName: "Kate", agentID: "bob", state: state,
            startedAt: Date(timeIntervalSince1970: 1_772_000_000), endedAt: state == .ended ? Date(timeIntervalSince1970: 1_772_000_060) : nil,
            endedByID: nil, endedByName: nil)
    }

    func refusal(_ body: () throws(SessionError) -> Void) -> SessionError? {
        do { try body() } catch { return error }
        return nil
    }

    // MARK: Inviting

    @Test func theOwnerInvitesAnotherAgent() throws {
        #expect(try policy.invitee("bob", caller: kate) == "bob")
        #expect(try policy.invitee("bob.smith@example-1_x", caller: kate) == "bob.smith@example-1_x")
        #expect(access.act(kate, ownerID: "kate", participants: ["kate"]) == .allowed)
    }

    @Test(
        arguments: [
            (nil, "agent_id is required"),
            ("", "agent_id is required"),
            ("two words", "agent_id must be"),
            ("bob\n", "agent_id must be"),
            ("bøb", "agent_id must be"),
            (String(repeating: "b", count: 65), "agent_id must be"),
            ("kate", "agent_id is the caller"),
        ] as [(String?, String)])
    func anInvitationNamesAValidOtherAgent(raw: String?, detail: String) {
        let error = refusal { () throws(SessionError) in _ = try policy.invitee(raw, caller: kate) }
        guard case .invalid(let text) = error else {
            Issue.record("\(raw ?? "nil") was accepted or refused otherwise: \(String(describing: error))")
            return
        }
        #expect(text.hasPrefix(detail), "\(text)")
        #expect(error?.problem.status == .unprocessableContent)
        #expect(error?.problem.code == "invalid_request")
    }

    /// Only the owner invites: a past owner, an agent consulted now and a supervisor see the
    /// interaction (403), a stranger does not (404). Supervisors are refused by the route's
    /// role too (``SessionRouterTests``).
    @Test func onlyTheOwnerMayInvite() {
        #expect(access.act(sam, ownerID: "kate", participants: ["sam", "kate"]) == .notOwner, "a past owner")
        #expect(access.act(bob, ownerID: "kate", participants: ["kate"], consultants: ["bob"]) == .notOwner, "the consulted agent")
        #expect(access.act(boss, ownerID: "kate", participants: ["kate"]) == .notOwner)
        #expect(access.act(sam, ownerID: "kate", participants: ["kate"], consultants: ["bob"]) == .notVisible)
    }

    // MARK: Reading the interaction

    /// A consulted agent reads the interaction like a participant while the consultation is
    /// open; once it ended (no longer among the consultants) it is a stranger again, unless it
    /// owned the interaction once.
    @Test func theConsultedAgentReadsOnlyWhileOpen() {
        #expect(access.read(bob, ownerID: "kate", participants: ["kate"], consultants: ["bob"]) == .allowed)
        #expect(access.read(bob, ownerID: "kate", participants: ["kate"], consultants: []) == .notVisible)
        #expect(access.read(bob, ownerID: "kate", participants: ["kate", "bob"], consultants: []) == .allowed, "a past owner still reads")
        #expect(access.read(system, ownerID: "kate", participants: ["kate"], consultants: ["connector"]) == .notVisible, "agents only")
    }

    // MARK: Reading consultations

    @Test func aConsultationIsReadByItsAgentsAndSupervisors() {
        for state in ConsultationState.allCases {
            let it = consultation(state)
            #expect(policy.mayRead(kate, it) && policy.mayRead(bob, it), "\(state)")
            #expect(policy.mayRead(boss, it) && policy.mayRead(ada, it), "\(state)")
            #expect(!policy.mayRead(sam, it) && !policy.mayRead(system, it), "\(state)")
        }
    }

    @Test func theListIsForWhoeverReadsTheInteractionOrWasConsultedOnIt() {
        #expect(policy.mayList(kate, interaction: .allowed, parties: []))
        #expect(policy.mayList(boss, interaction: .allowed, parties: []))
        #expect(policy.mayList(bob, interaction: .notVisible, parties: ["kate", "bob"]), "consulted, ended since")
        #expect(!policy.mayList(sam, interaction: .notVisible, parties: ["kate", "bob"]))
        #expect(!policy.mayList(system, interaction: .notVisible, parties: ["connector"]))
    }

    // MARK: Posting

    @Test func eitherAgentPostsWhileOpen() throws {
        try policy.checkPost(kate, consultation(.open))
        try policy.checkPost(bob, consultation(.open))
    }

    @Test func nobodyPostsOnceEnded() {
        for agent in [kate, bob] {
            #expect(refusal { () throws(SessionError) in try policy.checkPost(agent, consultation(.ended)) } == .consultationEnded)
        }
    }

    /// A supervisor sees the consultation but is not in it (403); an agent outside it does not
    /// see it (404, like an unknown id), open or ended.
    @Test func othersArePostingRefused() {
        for state in ConsultationState.allCases {
            #expect(refusal { () throws(SessionError) in try policy.checkPost(boss, consultation(state)) } == .notInConsultation)
            #expect(refusal { () throws(SessionError) in try policy.checkPost(ada, consultation(state)) } == .notInConsultation)
            #expect(refusal { () throws(SessionError) in try policy.checkPost(sam, consultation(state)) } == .consultationNotFound)
        }
        #expect(SessionError.notInConsultation.problem.status == .forbidden)
        #expect(SessionError.consultationNotFound.problem.status == .notFound)
        #expect(SessionError.consultationNotFound.problem.code == "not_found")
    }

    @Test(arguments: [(nil, "text is required"), ("  \n\t ", "text is required")] as [(String?, String)])
    func anInternalMessageIsNotEmpty(raw: String?, detail: String) {
        let error = refusal { () throws(SessionError) in _ = try policy.text(raw) }
        guard case .invalid(let text) = error else {
            Issue.record("accepted or refused otherwise: \(String(describing: error))")
            return
        }
        #expect(text.hasPrefix(detail))
    }

    @Test func anInternalMessageIsBoundedAndTrimmed() throws {
        #expect(try policy.text("  Can you check the refund?\n") == "Can you check the refund?")
        let longest = String(repeating: "a", count: ConsultationPolicy.maxTextLength)
        #expect(try policy.text(longest) == longest)
        let error = refusal { () throws(SessionError) in _ = try policy.text(longest + "a") }
        #expect(error == .invalid("text is longer than 4000 characters"))
    }

    // MARK: Ending

    @Test func itsAgentsSupervisorsAndAdminsEndItOnce() throws {
        for caller in [kate, bob, boss, ada] {
            #expect(try policy.checkEnd(caller, consultation(.open)) == .ended)
            #expect(refusal { () throws(SessionError) in _ = try policy.checkEnd(caller, consultation(.ended)) } == .consultationEnded)
        }
        #expect(SessionError.consultationEnded.problem.code == "consultation_ended")
        #expect(SessionError.consultationEnded.problem.status == .conflict)
    }

    @Test func othersCannotEndIt() {
        for caller in [sam, system] {
            for state in ConsultationState.allCases {
                #expect(refusal { () throws(SessionError) in _ = try policy.checkEnd(caller, consultation(state)) } == .consultationNotFound)
            }
        }
    }

    // MARK: State machine and view

    @Test func openEndsOnceAndEndedIsFinal() {
        #expect(ConsultationState.open.ended() == .ended)
        #expect(ConsultationState.ended.ended() == nil)
        #expect(ConsultationState.open.takesMessages)
        #expect(!ConsultationState.ended.takesMessages)
    }

    @Test func theViewShowsTheConsultedAgentWithoutAName() {
        var ended = consultation(.ended)
        ended.endedByID = "boss"
        ended.endedByName = "Boss"
        let view = ended.view
        #expect(view.fromAgent.id == "kate" && view.fromAgent.name == "Kate")
        #expect(view.agent.id == "bob" && view.agent.name == nil)
        #expect(view.state == "ended" && view.endedBy?.id == "boss" && view.endedBy?.name == "Boss")
        #expect(consultation(.open).view.endedBy == nil, "open, or ended by the system: ended_by null")
        #expect(view.id == ended.id.uuidString.lowercased() && view.interactionId == ended.interactionID.uuidString.lowercased())
        #expect(SessionError.consultationOpen.problem.code == "consultation_open")
    }
}
