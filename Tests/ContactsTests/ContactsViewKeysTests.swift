import Foundation
import SwitchboardTestSupport
import Testing

@testable import Contacts

/// Every view contacts answers with writes all of its keys, `null` when unset (issue #13;
/// `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Contacts views write every key")
struct ContactsViewKeysTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)
    let targetID = UUID(uuidString: "5B1E7C1A-3F0D-4D8E-9A57-0C2B6F1D0A44")!
    let sourceID = UUID(uuidString: "0C2B6F1D-0A44-4D8E-9A57-5B1E7C1A3F0D")!

    /// A contact with nothing but its id: no name, phone, email or attribute.
    func bare(_ id: UUID) -> ContactSnapshot {
        ContactSnapshot(
            id: id, state: .active, firstName: nil, lastName: nil, explicitDisplayName: nil, phones: [], emails: [], attributes: [:],
            mergedInto: nil, version: 1, createdAt: at, updatedAt: at
        )
    }

    func full(_ id: UUID) -> ContactSnapshot {
        ContactSnapshot(
            id: id, state: .active, firstName: "Kate", lastName: "Lewis", explicitDisplayName: "Kate L.", phones: ["+14155550100"],
            emails: ["kate@example.com"], attributes: ["tier": "gold"], mergedInto: nil, version: 3, createdAt: at, updatedAt: at
        )
    }

    func merge(undoneAt: Date?) -> MergeAudit {
        MergeAudit(
            id: UUID(), targetBefore: bare(targetID), sourceBefore: bare(sourceID), targetAfter: bare(targetID), sourceAfter: bare(sourceID),
            movedInteractions: [], mergedBy: "kate", at: at, undoneAt: undoneAt, undoneBy: undoneAt == nil ? nil : "kate"
        )
    }

    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    // MARK: Contact (schema `Contact`)

    @Test func contactWithoutNames() throws {
        let audit = try EncodedKeysAudit(of: ContactView(bare(targetID)))
        expectComplete(audit)
        #expect(audit.nullKeys == ["display_name", "first_name", "last_name"])
    }

    @Test func contactWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: ContactView(full(targetID)))
        expectComplete(audit)
        #expect(audit.nullKeys == [])
    }

    /// `GET /v1/contacts` (schema `ContactList`), on its last page.
    @Test func contactPage() throws {
        expectComplete(try EncodedKeysAudit(of: ContactPage(items: [], next: nil)))
        expectComplete(try EncodedKeysAudit(of: ContactPage(items: [ContactView(full(targetID))], next: "cursor")))
    }

    // MARK: Merge (schema `Merge`)

    /// Right after a merge: not undone, no restored source.
    @Test func mergeNotUndone() throws {
        let audit = try EncodedKeysAudit(of: MergeView(merge(undoneAt: nil), target: full(targetID), source: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["source", "undone_at"])
    }

    @Test func mergeUndone() throws {
        expectComplete(try EncodedKeysAudit(of: MergeView(merge(undoneAt: at), target: full(targetID), source: full(sourceID))))
    }

    /// `GET /v1/merges` (schema `MergeList`), on its last page and on another.
    @Test func mergePage() throws {
        let audit = try EncodedKeysAudit(of: MergePage(items: [], next: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
        expectComplete(try EncodedKeysAudit(of: MergePage(items: [MergeView(record: merge(undoneAt: nil))], next: "cursor")))
    }

    /// A read answers as the last operation did: the merge's target and no source, then the
    /// undo's two contacts as they were before the merge.
    @Test func mergeRecordShowsTheContactsAsTheLastOperationLeftThem() throws {
        var audit = merge(undoneAt: nil)
        audit.targetBefore = bare(targetID)
        audit.sourceBefore = full(sourceID)
        audit.targetAfter = full(targetID)
        audit.sourceAfter = bare(sourceID)

        let merged = MergeView(record: audit)
        #expect(merged.target == ContactView(full(targetID)))
        #expect(merged.source == nil)
        #expect(merged.undoneAt == nil)

        audit.undoneAt = at.addingTimeInterval(60)
        let undone = MergeView(record: audit)
        #expect(undone.target == ContactView(bare(targetID)))
        #expect(undone.source == ContactView(full(sourceID)))
        #expect(undone.undoneAt == at.addingTimeInterval(60))
        #expect(undone.id == audit.idString && undone.at == at)
        #expect((undone.targetId, undone.sourceId) == (targetID.uuidString.lowercased(), sourceID.uuidString.lowercased()))
    }

    /// `{"merged_into"}` (301 to the contact a merged one was merged into).
    @Test func mergedInto() throws {
        expectComplete(try EncodedKeysAudit(of: ContactRoutes.MergedInto(mergedInto: targetID.uuidString.lowercased())))
    }

    // MARK: Manual assignment (schema `Assignment`)

    @Test func assignmentToAContactWithoutName() throws {
        let audit = try EncodedKeysAudit(
            of: ContactCommands.Assignment(interactionId: "i-1", contactId: targetID.uuidString.lowercased(), contactName: nil, phoneAdded: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["contact_name"])
    }

    @Test func assignmentWithEverythingSet() throws {
        expectComplete(
            try EncodedKeysAudit(
                of: ContactCommands.Assignment(interactionId: "i-1", contactId: "c-1", contactName: "Kate Lewis", phoneAdded: true)))
    }

    // MARK: History (schemas `History`, `HistoryItem`)

    /// `count_24h` is spelled out in `HistoryPage.CodingKeys` (the conversion would write
    /// `count24h`), so the audit is told.
    static let historyKeys = ["count24h": "count_24h"]

    @Test func historyPageOnItsLastPage() throws {
        let page = HistoryPage(contactId: targetID.uuidString.lowercased(), items: [], next: nil, count24h: 0)
        let audit = try EncodedKeysAudit(of: page, codingKeys: Self.historyKeys)
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
        // Without being told, the audit sees the renamed key and the property apart.
        let untold = try EncodedKeysAudit(of: page)
        #expect(untold.missing == ["count24h"])
        #expect(untold.unexpected == ["count_24h"])
    }

    @Test func historyPageWithEverythingSet() throws {
        let page = HistoryPage(contactId: "c-1", items: [historyItem(everything: true)], next: "cursor", count24h: 2)
        expectComplete(try EncodedKeysAudit(of: page, codingKeys: Self.historyKeys))
    }

    func historyItem(everything: Bool) -> HistoryPage.Item {
        everything
            ? HistoryPage.Item(
                interactionId: "i-1", createdAt: at, closedAt: at, mode: "session", media: "sms", state: "closed", from: "+14155550100",
                to: "+14155550199", agent: HistoryPage.Agent(id: "kate", name: "Kate Lewis"), disposition: "resolved", closeReason: "done",
                link: "identified")
            : HistoryPage.Item(
                interactionId: "i-1", createdAt: at, closedAt: nil, mode: nil, media: nil, state: "queued", from: nil, to: nil, agent: nil,
                disposition: nil, closeReason: nil, link: nil)
    }

    @Test func historyItemWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: historyItem(everything: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["agent", "close_reason", "closed_at", "disposition", "from", "link", "media", "mode", "to"])
    }

    @Test func historyItemWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: historyItem(everything: true))
        expectComplete(audit)
        #expect(audit.nullKeys == [])
    }

    @Test func historyAgentWithoutName() throws {
        let audit = try EncodedKeysAudit(of: HistoryPage.Agent(id: "kate", name: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["name"])
        expectComplete(try EncodedKeysAudit(of: HistoryPage.Agent(id: "kate", name: "Kate Lewis")))
    }

    // MARK: Consent (schema `Consent`; a hand-written `encode(to:)`)

    @Test func consent() throws {
        let entry = ConsentView.Entry(orgNumber: "+14155550199", keyword: "STOP", action: .optOut, at: at)
        expectComplete(try EncodedKeysAudit(of: entry))
        let view = ConsentView(number: "+14155550100", state: .optedOut, byOrgNumber: ["+14155550199": .optedOut], history: [entry])
        expectComplete(try EncodedKeysAudit(of: view))
        expectComplete(try EncodedKeysAudit(of: ConsentView(number: "+14155550100", state: .optedIn, byOrgNumber: [:], history: [])))
    }
}
