import Foundation
import SwitchboardTestSupport
import Testing

@testable import Transfer

/// Every view and event payload transfer writes has all of its keys, `null` when unset
/// (issue #13; `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Transfer views write every key")
struct TransferViewKeysTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)
    let interactionID = "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44"

    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    // MARK: Directory (schemas `Agent`, `Target`, `TargetList`)

    @Test func agent() throws {
        let record = AgentRecord(
            id: "kate", name: "Kate Lewis", queues: ["sales"], smsCapacity: 5, smsReady: true, smsLoad: 1, readySince: nil,
            lastAssignedAt: nil, lastAssignmentEndedAt: nil, createdAt: at, updatedAt: at)
        expectComplete(try EncodedKeysAudit(of: record.view))
    }

    /// A queue hit: neither presence, spare capacity nor queue applies.
    @Test func queueTarget() throws {
        let audit = try EncodedKeysAudit(of: TargetView(type: .queue, id: "sales", name: "Sales", presence: nil, spareCapacity: nil, queue: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["presence", "queue", "spare_capacity"])
    }

    @Test func agentAndRoutingPointTargets() throws {
        expectComplete(
            try EncodedKeysAudit(of: TargetView(type: .agent, id: "kate", name: "Kate Lewis", presence: "ready", spareCapacity: 3, queue: nil)))
        expectComplete(
            try EncodedKeysAudit(of: TargetView(type: .routingPoint, id: "rp-1", name: "Billing", presence: nil, spareCapacity: nil, queue: "sales")))
        expectComplete(
            try EncodedKeysAudit(of: TargetView(type: .agent, id: "kate", name: "Kate Lewis", presence: "ready", spareCapacity: 3, queue: "sales")))
    }

    /// `{"items": [...], "next": null}`: `next` is written by a hand-written `encode(to:)`,
    /// not a property, so it is the one key the audit does not expect.
    @Test func itemList() throws {
        let audit = try EncodedKeysAudit(
            of: ItemList(items: [TargetView(type: .queue, id: "sales", name: "Sales", presence: nil, spareCapacity: nil, queue: nil)]))
        #expect(audit.missing == [])
        #expect(audit.unexpected == ["next"])
        #expect(audit.nullKeys == ["next"])
    }

    /// `QueueRecord` and `RoutingPointRecord` are answered as they are (schemas `Queue`,
    /// `RoutingPoint`).
    @Test func queueAndRoutingPoint() throws {
        expectComplete(try EncodedKeysAudit(of: QueueRecord(id: "sales", name: "Sales")))
        expectComplete(try EncodedKeysAudit(of: RoutingPointRecord(id: "rp-1", name: "Billing", queue: "sales")))
    }

    // MARK: Offers (schema `Offer`; payload of `offer.*`)

    func preview(everything: Bool) -> OfferPreview {
        everything
            ? OfferPreview(
                from: "+14155550100", text: "Hello", origin: "Inbound SMS Session Mode", caseData: ["account": "123"],
                contact: ContactRef(id: "c-1", name: "Ann Customer"))
            : OfferPreview(from: nil, text: nil, origin: nil, caseData: [:])
    }

    func offer(everything: Bool) -> OfferView {
        OfferView(
            id: "0c2b6f1d-0a44-4d8e-9a57-5b1e7c1a3f0d", interactionId: interactionID, agentId: "kate", kind: everything ? .transfer : .route,
            state: everything ? .accepted : .pending, expiresAt: at, fromAgent: everything ? AgentRef(id: "sam", name: "Sam Other") : nil,
            preview: preview(everything: everything), transferId: everything ? "t-1" : nil, createdAt: at, decidedAt: everything ? at : nil,
            callback: nil
        )
    }

    func callback(everything: Bool) -> CallbackSummary {
        CallbackSummary(
            id: "6d8f2b1e-2c4a-4f7e-8b3d-1a9c0e5f7b21", phone: "+14155550100", contactId: everything ? "c-1" : nil,
            interactionId: everything ? interactionID : nil, notes: everything ? "Refund" : nil, dueAt: at,
            target: .init(type: "agent", id: "kate"), scheduledBy: "sam", scheduledByName: everything ? "Sam Other" : nil)
    }

    @Test func newArrivalOffer() throws {
        let audit = try EncodedKeysAudit(of: offer(everything: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["callback", "decided_at", "from_agent", "transfer_id"])
    }

    @Test func decidedTransferOffer() throws {
        let audit = try EncodedKeysAudit(of: offer(everything: true))
        expectComplete(audit)
        #expect(audit.nullKeys == ["callback"])
    }

    /// A callback offer is about no interaction: `interaction_id` is null, `callback` says whom to text.
    @Test func callbackOffer() throws {
        let record = OfferRecord(
            id: UUID(), interactionID: nil, agentID: "kate", kind: .callback, state: .pending, expiresAt: at, fromAgentID: nil,
            fromAgentName: nil, transferID: nil, createdAt: at, decidedAt: nil, callback: callback(everything: false))
        let view = record.view(preview: nil)
        let audit = try EncodedKeysAudit(of: view)
        expectComplete(audit)
        #expect(audit.nullKeys == ["decided_at", "from_agent", "interaction_id", "transfer_id"])
        #expect(view.preview == OfferPreview(from: "+14155550100", text: nil, origin: "callback", caseData: [:], contact: nil))
        #expect(record.subject == "6d8f2b1e-2c4a-4f7e-8b3d-1a9c0e5f7b21")
        let summary = try EncodedKeysAudit(of: callback(everything: false))
        expectComplete(summary)
        #expect(summary.nullKeys == ["contact_id", "interaction_id", "notes", "scheduled_by_name"])
        expectComplete(try EncodedKeysAudit(of: callback(everything: true)))
    }

    @Test func previewWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: preview(everything: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["contact", "from", "origin", "text"])
        expectComplete(try EncodedKeysAudit(of: preview(everything: true)))
    }

    /// `AgentRef` is not a view of its own: schema `AgentRef` requires only `id` and its
    /// `name` is a plain optional, left out when unknown (the `{"id", "name"}` of
    /// `from_agent` and `by_agent`). This pins that shape, so a change to it is a decision.
    @Test func agentRefLeavesOutAnUnknownName() throws {
        let audit = try EncodedKeysAudit(of: AgentRef(id: "sam", name: nil))
        #expect(audit.missing == ["name"])
        #expect(audit.unexpected == [])
        expectComplete(try EncodedKeysAudit(of: AgentRef(id: "sam", name: "Sam Other")))
    }

    // MARK: Transfers (schema `Transfer`; payload of `transfer.*`)

    func transfer(everything: Bool) -> TransferView {
        TransferView(
            id: "0c2b6f1d-0a44-4d8e-9a57-5b1e7c1a3f0d", interactionId: interactionID, fromAgentId: "sam",
            fromAgentName: everything ? "Sam Other" : nil, target: TransferTarget(type: everything ? .queue : .agent, id: "sales"),
            targetQueue: everything ? "sales" : nil, note: everything ? "VIP" : nil, state: everything ? .completed : .pending,
            reason: everything ? "requeued" : nil, createdAt: at, decidedAt: everything ? at : nil
        )
    }

    @Test func pendingTransferWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: transfer(everything: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["decided_at", "from_agent_name", "note", "reason", "target_queue"])
    }

    @Test func completedTransferWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: transfer(everything: true))
        expectComplete(audit)
        #expect(audit.nullKeys == [])
        expectComplete(try EncodedKeysAudit(of: TransferTarget(type: .agent, id: "kate")))
    }

    // MARK: Notifications (schema `Notification`)

    @Test func notificationWithNothingSet() throws {
        let view = NotificationView(
            id: "n-1", kind: .transferExpired, transferId: nil, interactionId: nil, byAgent: nil, text: "Kate did not answer the transfer in time",
            at: at)
        let audit = try EncodedKeysAudit(of: view)
        expectComplete(audit)
        #expect(audit.nullKeys == ["by_agent", "interaction_id", "transfer_id"])
    }

    @Test func notificationWithEverythingSet() throws {
        let view = NotificationView(
            id: "n-1", kind: .transferRejected, transferId: "t-1", interactionId: interactionID, byAgent: AgentRef(id: "kate", name: "Kate Lewis"),
            text: "Kate Lewis rejected the transfer", at: at)
        let audit = try EncodedKeysAudit(of: view)
        expectComplete(audit)
        #expect(audit.nullKeys == [])
    }
}
