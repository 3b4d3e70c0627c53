import Foundation
import SwitchboardServiceKit
import Testing

@testable import Session

@Suite("Access policy: who sees and who acts")
struct AccessPolicyTests {
    let policy = AccessPolicy()
    let kate = Identity(agentID: "kate", name: "Kate", roles: [.agent], permissions: [])
    let sam = Identity(agentID: "sam", name: "Sam", roles: [.agent], permissions: [])
    let boss = Identity(agentID: "boss", name: "Boss", roles: [.supervisor], permissions: [])
    let system = Identity(agentID: "gateway", name: nil, roles: [.system], permissions: [])

    @Test func ownerReadsAndActs() {
        #expect(policy.read(kate, ownerID: "kate", participants: ["kate"]) == .allowed)
        #expect(policy.act(kate, ownerID: "kate", participants: ["kate"]) == .allowed)
    }

    @Test func previousOwnerReadsButMayNotAct() {
        #expect(policy.read(kate, ownerID: "sam", participants: ["kate", "sam"]) == .allowed)
        #expect(policy.act(kate, ownerID: "sam", participants: ["kate", "sam"]) == .notOwner)
    }

    @Test func strangerSeesNothing() {
        #expect(policy.read(sam, ownerID: "kate", participants: ["kate"]) == .notVisible)
        #expect(policy.act(sam, ownerID: "kate", participants: ["kate"]) == .notVisible)
        #expect(policy.read(sam, ownerID: nil, participants: []) == .notVisible, "a queued interaction is not visible to agents")
    }

    @Test func supervisorReadsEverythingButActsOnlyAsOwner() {
        #expect(policy.read(boss, ownerID: "kate", participants: ["kate"]) == .allowed)
        #expect(policy.act(boss, ownerID: "kate", participants: ["kate"]) == .notOwner)
    }

    @Test func systemTokensAreNotAgents() {
        #expect(policy.read(system, ownerID: "gateway", participants: []) == .notVisible)
    }
}

@Suite("Interaction state machine")
struct InteractionStateTests {
    @Test(arguments: [InteractionState.queued, .offered, .active])
    func openStatesCanBeAssignedAndClosed(state: InteractionState) {
        #expect(state.assigned() == .active)
        #expect(state.closed() == .closed)
        #expect(state.isOpen)
    }

    @Test func closedIsFinal() {
        #expect(InteractionState.closed.assigned() == nil)
        #expect(InteractionState.closed.closed() == nil)
        #expect(!InteractionState.closed.isOpen)
    }
}

@Suite("Case data merge patch")
struct CaseDataPatchTests {
    @Test func setsAndRemovesKeys() throws {
        let patch = try CaseDataPatch(json: Data(#"{"order": "A-17", "old": null}"#.utf8))
        #expect(try patch.applied(to: ["old": "x", "keep": "y"]) == ["order": "A-17", "keep": "y"])
    }

    @Test(arguments: [#"[1, 2]"#, #""text""#, #"{"n": 5}"#, #"{"nested": {"a": "b"}}"#, "not json"])
    func refusesNonStringValues(body: String) {
        #expect(throws: CaseDataError.self) { try CaseDataPatch(json: Data(body.utf8)) }
    }

    @Test func boundsSize() throws {
        let long = String(repeating: "x", count: CaseDataPatch.maxValueLength + 1)
        #expect(throws: CaseDataError.valueTooLong("k")) { try CaseDataPatch(json: Data(#"{"k": "\#(long)"}"#.utf8)) }
        let many = CaseDataPatch(changes: Dictionary(uniqueKeysWithValues: (0...CaseDataPatch.maxKeys).map { ("k\($0)", String?.some("v")) }))
        #expect(throws: CaseDataError.tooManyKeys) { try many.applied(to: [:]) }
    }
}

@Suite("Disposition catalog and delivery status order")
struct DispositionAndStatusTests {
    @Test func parsesConfiguredCodes() throws {
        let catalog = try DispositionCatalog(environment: EnvironmentVariables(["SWITCHBOARD_DISPOSITION_CODES": "sale=Sale made; no_sale=No sale"]))
        #expect(catalog.codes == [.init(code: "sale", label: "Sale made"), .init(code: "no_sale", label: "No sale")])
        #expect(catalog.contains("sale"))
        #expect(!catalog.contains("Sale made"))
    }

    @Test func defaultCatalogIsNotEmpty() throws {
        #expect(!(try DispositionCatalog(environment: EnvironmentVariables([:]))).codes.isEmpty)
    }

    @Test(arguments: ["no-equals", "=Label", "bad code=Label", ";;"])
    func refusesMalformedSpecification(specification: String) {
        #expect(throws: ConfigurationError.self) {
            try DispositionCatalog(environment: EnvironmentVariables(["SWITCHBOARD_DISPOSITION_CODES": specification]))
        }
    }

    @Test(arguments: [
        ("queued", "sent", "sent"), ("sent", "queued", "sent"), ("delivered", "sent", "delivered"),
        ("sent", "failed", "failed"), ("failed", "delivered", "delivered"), ("delivered", "undelivered", "delivered"),
    ])
    func statusOnlyMovesForward(current: String, incoming: String, expected: String) {
        #expect(PartStatusOrder.merge(current: current, incoming: incoming) == expected)
    }
}
