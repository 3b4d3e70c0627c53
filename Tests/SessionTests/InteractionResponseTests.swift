import Foundation
import SwitchboardModels
import SwitchboardTestSupport
import Testing

@testable import Session

/// What the API adds to an interaction (docs/architecture.md section 10.3): the `offered`
/// rule, when a transfer shows, and the keys of `transfer` and `contact_history`.
@Suite("Interaction responses: offered, transfer, contact history")
struct InteractionResponseTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)

    // MARK: offered

    @Test func aLiveOfferMakesAQueuedInteractionOfferedAndNoneLeftPutsItBack() {
        #expect(InteractionState.queued.afterOfferChange(liveOffer: true) == .offered)
        #expect(InteractionState.queued.afterOfferChange(liveOffer: false) == nil)
        #expect(InteractionState.offered.afterOfferChange(liveOffer: true) == nil)
        #expect(InteractionState.offered.afterOfferChange(liveOffer: false) == .queued)
    }

    /// Owned or closed: an offer event, however late or early, changes nothing.
    @Test func anOwnedOrClosedInteractionIgnoresOffers() {
        for state in [InteractionState.active, .closed] {
            #expect(state.afterOfferChange(liveOffer: true) == nil)
            #expect(state.afterOfferChange(liveOffer: false) == nil)
        }
    }

    // MARK: transfer

    func interaction(state: String = "active", owner: String? = "kate") -> InteractionView {
        InteractionView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", state: state, mode: "session", media: "sms", channel: "default",
            from: "+14155550100", to: "+14155550199", queue: "default", origin: "Inbound SMS Session Mode", contact: nil,
            owner: owner.map { PartyView(id: $0, name: nil) }, createdAt: at, closedAt: nil, closeReason: nil, elapsedSeconds: 0,
            disposition: nil, note: nil, caseData: [:]
        )
    }

    var pending: PendingTransferView {
        PendingTransferView(
            id: "0d7f3c52-6a9e-4d35-8f0e-1b2c3d4e5f60", target: .init(type: "agent", id: "sam", name: nil),
            fromAgent: PartyView(id: "kate", name: "Kate Lewis"), state: "pending", expiresAt: nil
        )
    }

    @Test func aTransferShowsWhileTheInteractionIsOpenAndItsSourceOwnsIt() {
        #expect(pending.isInProgress(on: interaction()))
        #expect(!pending.isInProgress(on: interaction(owner: "sam")), "accepted: the assignment overtook transfer.accepted")
        #expect(!pending.isInProgress(on: interaction(state: "closed")))
        #expect(!pending.isInProgress(on: interaction(state: "queued", owner: nil)))
    }

    // MARK: keys (schemas `InteractionSummary`, `Interaction`, `PendingTransfer`, `ContactHistory`)

    func keys(of value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try SwitchboardJSON.encoder().encode(value)) as? [String: Any])
    }

    /// As a list shows it: the view's keys and `transfer` (null), no `contact_history`.
    @Test func aListItemHasTheViewsKeysAndTransfer() throws {
        let view = interaction()
        let viewKeys = Set(try keys(of: view).keys)
        let item = try keys(of: InteractionResponse(interaction: view, transfer: nil, contactHistory: nil))
        #expect(Set(item.keys) == viewKeys.union(["transfer"]))
        #expect(item["transfer"] is NSNull)
    }

    @Test func aSingleReadAddsItsContactHistory() throws {
        let view = interaction()
        let history = ContactHistoryView(messageExchanges24h: 3, openOrRecentInteractions: 2)
        let single = try keys(of: InteractionResponse(interaction: view, transfer: pending, contactHistory: history))
        #expect(Set(single.keys) == Set(try keys(of: view).keys).union(["transfer", "contact_history"]))
        #expect(single["contact_history"] as? [String: Int] == ["message_exchanges_24h": 3, "open_or_recent_interactions": 2])
        #expect((single["transfer"] as? [String: Any])?["id"] as? String == pending.id)
    }

    @Test func pendingTransferWritesEveryKey() throws {
        let audit = try EncodedKeysAudit(of: pending)
        #expect(audit.isComplete, "\(audit)")
        #expect(audit.nullKeys == ["expires_at"])
        let target = try EncodedKeysAudit(of: pending.target)
        #expect(target.isComplete, "\(target)")
        #expect(target.nullKeys == ["name"])
    }

    @Test func contactHistoryWritesItsKeysWithTheirUnderscores() throws {
        let audit = try EncodedKeysAudit(
            of: ContactHistoryView(messageExchanges24h: 0, openOrRecentInteractions: 0),
            codingKeys: ["messageExchanges24h": "message_exchanges_24h", "openOrRecentInteractions": "open_or_recent_interactions"])
        #expect(audit.isComplete, "\(audit)")
        #expect(audit.keys == ["message_exchanges_24h", "open_or_recent_interactions"])
    }

    /// What is written reads back as it was, through the contract's decoder.
    @Test func aResponseRoundTrips() throws {
        let transfer = PendingTransferView(
            id: pending.id, target: .init(type: "agent", id: "sam", name: "Sam Other"), fromAgent: pending.fromAgent, state: "pending",
            expiresAt: at)
        let response = InteractionResponse(
            interaction: interaction(), transfer: transfer, contactHistory: ContactHistoryView(messageExchanges24h: 3, openOrRecentInteractions: 1))
        let data = try SwitchboardJSON.encoder().encode(response)
        #expect(try SwitchboardJSON.decoder().decode(InteractionResponse.self, from: data) == response)
        let page = ListPage(items: [InteractionResponse(interaction: interaction(), transfer: nil, contactHistory: nil)], next: nil)
        let decoded = try SwitchboardJSON.decoder().decode(ListPage<InteractionResponse>.self, from: try SwitchboardJSON.encoder().encode(page))
        #expect(decoded.items == page.items)
    }
}
