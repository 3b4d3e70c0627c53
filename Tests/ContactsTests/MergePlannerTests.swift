import Foundation
import Testing

@testable import Contacts

@Suite("Merge and undo plans")
struct MergePlannerTests {
    let planner = MergePlanner()
    let created = Date(timeIntervalSince1970: 1_700_000_000)
    let mergedAt = Date(timeIntervalSince1970: 1_700_100_000)
    let undoneAt = Date(timeIntervalSince1970: 1_700_200_000)
    let kateID = UUID()
    let oldKateID = UUID()
    let call1 = UUID()
    let call2 = UUID()

    var kate: ContactSnapshot {
        ContactSnapshot(
            id: kateID, state: .active, firstName: "Kate", lastName: "Lewis", explicitDisplayName: nil,
            phones: ["+14155550100"], emails: ["kate@example.com"], attributes: ["tier": "gold"], mergedInto: nil, version: 3,
            createdAt: created, updatedAt: created
        )
    }

    var oldKate: ContactSnapshot {
        ContactSnapshot(
            id: oldKateID, state: .active, firstName: "K.", lastName: nil, explicitDisplayName: "Kate (old)",
            phones: ["+14155550111", "+14155550122"], emails: ["k.lewis@example.org"],
            attributes: ["tier": "silver", "language": "fr"], mergedInto: nil, version: 5, createdAt: created, updatedAt: created
        )
    }

    func merged() throws -> (MergePlanner.Plan, MergeAudit) {
        let plan = try planner.merge(target: kate, source: oldKate, sourceInteractions: [call1, call2], at: mergedAt)
        return (plan, plan.audit(id: UUID(), targetBefore: kate, sourceBefore: oldKate, by: "kate", at: mergedAt))
    }

    /// Current owners as the merge left them.
    func owners(_ audit: MergeAudit) -> ([String: UUID], [String: UUID], [UUID: UUID]) {
        (
            Dictionary(uniqueKeysWithValues: audit.sourceBefore.phones.map { ($0, kateID) }),
            Dictionary(uniqueKeysWithValues: audit.sourceBefore.emails.map { ($0, kateID) }),
            [call1: kateID, call2: kateID]
        )
    }

    // MARK: Merge

    @Test func targetKeepsItsIdAndNamesAndGainsPhonesEmailsAndMissingAttributes() throws {
        let (plan, _) = try merged()
        #expect(plan.target.id == kateID)
        #expect(plan.target.firstName == "Kate" && plan.target.lastName == "Lewis")
        #expect(plan.target.phones == ["+14155550100", "+14155550111", "+14155550122"])
        #expect(plan.target.emails == ["kate@example.com", "k.lewis@example.org"])
        #expect(plan.target.attributes == ["tier": "gold", "language": "fr"])
        #expect(plan.addedAttributes == ["language": "fr"])
        #expect(plan.keptAttributeKeys == ["tier"])
        #expect(plan.movedPhones == ["+14155550111", "+14155550122"])
        #expect(plan.movedEmails == ["k.lewis@example.org"])
        #expect(plan.target.version == 4 && plan.target.updatedAt == mergedAt)
    }

    @Test func sourceIsMarkedMergedAndKeepsItsNamesButNotItsAddresses() throws {
        let (plan, _) = try merged()
        #expect(plan.source.state == .merged)
        #expect(plan.source.mergedInto == kateID)
        #expect(plan.source.phones.isEmpty && plan.source.emails.isEmpty)
        #expect(plan.source.explicitDisplayName == "Kate (old)")
        #expect(plan.source.version == 6)
    }

    @Test func historyMovesToTheTarget() throws {
        let (plan, audit) = try merged()
        #expect(plan.movedInteractions == [call1, call2])
        #expect(audit.movedInteractions == [call1, call2])
        #expect(audit.targetBefore == kate && audit.sourceBefore == oldKate)
        #expect(audit.targetAfter == plan.target && audit.sourceAfter == plan.source)
    }

    @Test func refusesToMergeAContactIntoItselfOrAnInactiveOne() {
        #expect(throws: MergePlanner.MergeRefusal.sameContact) {
            try planner.merge(target: kate, source: kate, sourceInteractions: [], at: mergedAt)
        }
        var gone = oldKate
        gone.state = .deleted
        #expect(throws: MergePlanner.MergeRefusal.sourceNotActive(.deleted)) {
            try planner.merge(target: kate, source: gone, sourceInteractions: [], at: mergedAt)
        }
        var absorbed = kate
        absorbed.state = .merged
        absorbed.mergedInto = UUID()
        #expect(throws: MergePlanner.MergeRefusal.targetNotActive(.merged)) {
            try planner.merge(target: absorbed, source: oldKate, sourceInteractions: [], at: mergedAt)
        }
    }

    // MARK: Undo

    @Test func undoRestoresBothContactsExactly() throws {
        let (plan, audit) = try merged()
        let (phones, emails, calls) = owners(audit)
        let undo = try planner.undo(
            audit, target: plan.target, source: plan.source, phoneOwners: phones, emailOwners: emails, interactionOwners: calls,
            at: undoneAt
        )
        var expectedTarget = kate
        expectedTarget.version = plan.target.version + 1
        var expectedSource = oldKate
        expectedSource.version = plan.source.version + 1
        #expect(undo.target == expectedTarget)
        #expect(undo.source == expectedSource)
        #expect(undo.source.phones == ["+14155550111", "+14155550122"])
        #expect(undo.source.attributes == ["tier": "silver", "language": "fr"])
        #expect(undo.interactionsBack == [call1, call2])
    }

    @Test func undoTwiceIsRefused() throws {
        let (plan, merge) = try merged()
        var audit = merge
        audit.undoneAt = undoneAt
        let (phones, emails, calls) = owners(audit)
        #expect(throws: MergePlanner.UndoRefusal.alreadyUndone(undoneAt)) {
            try planner.undo(
                audit, target: plan.target, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
    }

    @Test func undoIsRefusedWhenAMovedPhoneOrEmailIsElsewhere() throws {
        let (plan, audit) = try merged()
        var (phones, emails, calls) = owners(audit)
        phones["+14155550122"] = UUID()
        #expect(throws: MergePlanner.UndoRefusal.phoneMoved("+14155550122")) {
            try planner.undo(
                audit, target: plan.target, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
        (phones, emails, calls) = owners(audit)
        emails.removeValue(forKey: "k.lewis@example.org")
        #expect(throws: MergePlanner.UndoRefusal.emailMoved("k.lewis@example.org")) {
            try planner.undo(
                audit, target: plan.target, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
    }

    @Test func undoIsRefusedWhenTheTargetChangedOrWasDeleted() throws {
        let (plan, audit) = try merged()
        let (phones, emails, calls) = owners(audit)
        var edited = plan.target
        edited.firstName = "Katherine"
        edited.version += 1
        #expect(throws: MergePlanner.UndoRefusal.targetChanged) {
            try planner.undo(
                audit, target: edited, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
        #expect(throws: MergePlanner.UndoRefusal.targetChanged) {
            try planner.undo(
                audit, target: nil, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
    }

    @Test func undoIsRefusedWhenTheSourceChanged() throws {
        let (plan, audit) = try merged()
        let (phones, emails, calls) = owners(audit)
        var erased = plan.source
        erased.explicitDisplayName = nil
        erased.version += 1
        #expect(throws: MergePlanner.UndoRefusal.sourceChanged) {
            try planner.undo(
                audit, target: plan.target, source: erased, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
    }

    @Test func undoIsRefusedWhenMovedHistoryWasReassigned() throws {
        let (plan, audit) = try merged()
        let (phones, emails, current) = owners(audit)
        var calls = current
        calls[call2] = UUID()
        #expect(throws: MergePlanner.UndoRefusal.historyChanged(call2)) {
            try planner.undo(
                audit, target: plan.target, source: plan.source, phoneOwners: phones, emailOwners: emails,
                interactionOwners: calls, at: undoneAt)
        }
    }

    @Test func theAuditRoundTripsThroughItsJSONExactly() throws {
        let (_, audit) = try merged()
        let text = try PostgresContactStore.auditJSON(audit)
        let decoded = try PostgresContactStore.auditDecoder().decode(MergeAudit.self, from: Data(text.utf8))
        #expect(decoded == audit)
    }
}
