import HTTPTypes
import SwitchboardServiceKit
import Testing

@testable import Callback

@Suite("Callback access: who sees and who changes")
struct CallbackAccessTests {
    let access = CallbackAccess()
    let kate = Identity(agentID: "kate", name: "Kate", roles: [.agent], permissions: [])
    let sam = Identity(agentID: "sam", name: "Sam", roles: [.agent], permissions: [])
    let lee = Identity(agentID: "lee", name: "Lee", roles: [.agent], permissions: [])
    let boss = Identity(agentID: "boss", name: "Boss", roles: [.supervisor], permissions: [])
    let admin = Identity(agentID: "root", name: nil, roles: [.admin], permissions: [])
    let dialer = Identity(agentID: "dialer", name: nil, roles: [.system], permissions: [])

    let forLee = CallbackTarget(type: .agent, id: "lee")
    let forSales = CallbackTarget(type: .queue, id: "sales")

    @Test func schedulerSeesAndChanges() {
        #expect(access.read(kate, scheduledBy: "kate", target: forLee) == .allowed)
        #expect(access.change(kate, scheduledBy: "kate", target: forLee) == .allowed)
    }

    @Test func targetAgentSeesAndChanges() {
        #expect(access.read(lee, scheduledBy: "kate", target: forLee) == .allowed)
        #expect(access.change(lee, scheduledBy: "kate", target: forLee) == .allowed)
    }

    @Test func otherAgentNeitherSeesNorChangesAnAgentCallback() {
        #expect(access.read(sam, scheduledBy: "kate", target: forLee) == .notVisible)
        #expect(access.change(sam, scheduledBy: "kate", target: forLee) == .notVisible)
    }

    @Test func otherAgentSeesAQueueCallbackButMayNotChangeIt() {
        #expect(access.read(sam, scheduledBy: "kate", target: forSales) == .allowed)
        #expect(access.change(sam, scheduledBy: "kate", target: forSales) == .forbidden)
        #expect(access.change(kate, scheduledBy: "kate", target: forSales) == .allowed)
    }

    @Test func theAgentWhoAcceptedItsOfferChangesAQueueCallback() {
        // Section 10.3: the agent who accepted a due callback's offer records the outcome.
        #expect(access.change(sam, scheduledBy: "kate", target: forSales, acceptedBy: "sam") == .allowed)
        #expect(access.change(lee, scheduledBy: "kate", target: forSales, acceptedBy: "sam") == .forbidden)
        #expect(access.change(sam, scheduledBy: "kate", target: forLee, acceptedBy: "sam") == .notVisible, "not once it is another's")
        #expect(access.change(dialer, scheduledBy: "kate", target: forSales, acceptedBy: "dialer") == .notVisible)
    }

    @Test func supervisorsAndAdminsSeeAndChangeEverything() {
        for identity in [boss, admin] {
            #expect(access.read(identity, scheduledBy: "kate", target: forLee) == .allowed)
            #expect(access.change(identity, scheduledBy: "kate", target: forLee) == .allowed)
        }
    }

    @Test func aQueueNamedLikeTheAgentIsNotTheAgent() {
        #expect(access.change(sam, scheduledBy: "kate", target: CallbackTarget(type: .queue, id: "sam")) == .forbidden)
    }

    @Test func systemTokensAreNotAgents() {
        #expect(access.read(dialer, scheduledBy: "kate", target: forSales) == .notVisible)
        #expect(access.schedule(dialer) == .forbidden)
        #expect(access.schedule(kate) == .allowed)
        #expect(access.schedule(boss) == .allowed)
    }

    @Test func refusalsMapToProblems() {
        #expect(CallbackError.notFound.problem.code == "not_found")
        #expect(CallbackError.notFound.problem.status.code == 404)
        #expect(CallbackError.notAllowed.problem.code == "forbidden")
        #expect(CallbackError.notAllowed.problem.status.code == 403)
        #expect(CallbackError.closed(.cancelled).problem.code == "callback_closed")
        #expect(CallbackError.closed(.completed).problem.status.code == 409)
    }
}
