import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Session

/// What the interaction view shows of transfer's offers and transfers, and the contact's
/// recent history (docs/architecture.md section 10.3), against the real PostgreSQL: events
/// applied through ``InteractionCommands`` as the `session.events` handler applies them,
/// in the orders the two queues (`session.events`, `session.commands`) and redeliveries
/// can produce.
@Suite("Session: offers, transfers and contact history on the interaction (real PostgreSQL)", .serialized)
struct SessionOffersIntegrationTests {
    let logger = TestEnvironment.logger
    let store = PostgresInteractionStore(schema: "session")
    /// Whole seconds: what goes through a `timestamptz` and back compares equal.
    let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

    func commands() -> InteractionCommands {
        InteractionCommands(
            store: store, settings: PostgresSettingsStore(schema: "session"), responses: StandardResponseStore(schema: "session"),
            outbox: Outbox(schema: "session"),
            defaults: NumberSettings(mode: .session, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false),
            dispositions: DispositionCatalog(codes: []), maxParts: 10, extractor: EntityExtractor(defaultRegion: "US"), logger: logger
        )
    }

    static func number() -> String { "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
            on: client, logger: logger)
    }

    /// A customer's SMS, as `message.received` places it; returns its interaction.
    @discardableResult
    func inbound(_ customer: String, _ organisation: String, _ text: String, _ client: PostgresClient) async throws -> UUID {
        let id = UUID().uuidString.lowercased()
        let message = MessageReceived(
            messageId: id, channel: "default", carrierMessageId: "SM-\(id)", from: customer, to: organisation, text: text, media: [],
            receivedAt: Date(), acceptedAt: Date(), sequence: 1
        )
        let (commands, logger) = (commands(), logger)
        try await client.withTransaction(logger: logger) { try await commands.placeInbound(message, traceparent: nil, on: $0) }
        let rows = try await client.query(
            "SELECT interaction_id FROM session.transcript WHERE message_id = \(id)", logger: logger)
        for try await interaction in rows.decode(UUID.self) { return interaction }
        throw TestFailure("message \(id) was not placed")
    }

    func offer(
        _ id: UUID, of interaction: UUID, _ state: String, kind: String = "route", agent: String = "kate", transfer: UUID? = nil,
        expiresAt: Date? = nil
    ) -> OfferChanged {
        OfferChanged(
            id: id.uuidString.lowercased(), interactionId: interaction.uuidString.lowercased(), agentId: agent, kind: kind, state: state,
            expiresAt: expiresAt ?? now.addingTimeInterval(30), fromAgent: transfer == nil ? nil : OfferChanged.Agent(id: "kate", name: "Kate Lewis"),
            transferId: transfer?.uuidString.lowercased(), createdAt: now, decidedAt: state == "pending" ? nil : now.addingTimeInterval(5)
        )
    }

    func transfer(_ id: UUID, of interaction: UUID, _ state: String, target: TransferChanged.Target? = nil) -> TransferChanged {
        TransferChanged(
            id: id.uuidString.lowercased(), interactionId: interaction.uuidString.lowercased(), fromAgentId: "kate",
            fromAgentName: "Kate Lewis", target: target ?? TransferChanged.Target(type: "agent", id: "sam", name: nil), state: state,
            reason: state == "pending" ? nil : state, expiresAt: nil, createdAt: now, decidedAt: state == "pending" ? nil : now
        )
    }

    /// Applies `offer.*` events, each in its own transaction, as the handler does.
    func apply(_ events: OfferChanged..., client: PostgresClient) async throws {
        let (commands, logger) = (commands(), logger)
        for event in events {
            let offer = try #require(try ProjectedOffer(event))
            try await client.withTransaction(logger: logger) { try await commands.offerChanged(offer, on: $0) }
        }
    }

    func apply(_ events: TransferChanged..., client: PostgresClient) async throws {
        let (commands, logger) = (commands(), logger)
        for event in events {
            let transfer = try ProjectedTransfer(event)
            try await client.withTransaction(logger: logger) { try await commands.transferChanged(transfer, on: $0) }
        }
    }

    /// The command `interaction.assign`, as transfer sends it.
    func assign(
        _ interaction: UUID, to agent: String, _ name: String, expecting owner: String? = nil, transfer: UUID? = nil,
        client: PostgresClient
    ) async throws {
        let command = InteractionAssign(
            interactionId: interaction.uuidString.lowercased(), agentId: agent, agentName: name, expectedOwnerId: owner,
            reason: transfer == nil ? "routed" : "transferred", transferId: transfer?.uuidString.lowercased()
        )
        let (commands, logger) = (commands(), logger)
        try await client.withTransaction(logger: logger) { try await commands.assign(command, traceparent: nil, on: $0) }
    }

    func close(_ id: UUID, _ client: PostgresClient) async throws {
        let (store, logger) = (store, logger)
        try await client.withTransaction(logger: logger) { try await store.close(id, reason: "done", at: Date(), on: $0, logger: logger) }
    }

    /// The interaction as `GET /v1/interactions/{id}` answers.
    func response(_ id: UUID, _ client: PostgresClient) async throws -> InteractionResponse {
        let view = try #require(try await store.interaction(id: id, client: client, logger: logger))
        return try await store.response(for: view, client: client, logger: logger)
    }

    func state(_ id: UUID, _ client: PostgresClient) async throws -> String? {
        try await store.interaction(id: id, client: client, logger: logger)?.state
    }

    // MARK: offered

    @Test func anOfferMakesItOfferedAndItsAssignmentActive() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            #expect(try await state(id, client) == "queued")

            let routed = UUID()
            try await apply(offer(routed, of: id, "pending"), client: client)
            #expect(try await state(id, client) == "offered")
            // Accepted: still offered until the assignment it asked for is applied, never
            // `queued` for a moment in between.
            try await apply(offer(routed, of: id, "accepted"), client: client)
            #expect(try await state(id, client) == "offered")
            try await assign(id, to: "kate", "Kate Lewis", client: client)
            #expect(try await state(id, client) == "active")

            // Redelivered (or republished under another message id): nothing moves back.
            try await apply(offer(routed, of: id, "pending"), offer(routed, of: id, "accepted"), client: client)
            #expect(try await state(id, client) == "active")
            let rows = try await client.query("SELECT state FROM session.offers WHERE id = \(routed)", logger: logger)
            var states: [String] = []
            for try await state in rows.decode(String.self) { states.append(state) }
            #expect(states == ["accepted"])
        }
    }

    /// The assignment (through `session.commands`) applied before the offer's events
    /// (through `session.events`): a late `offer.created` never moves it back, nor one
    /// arriving after it closed.
    @Test func aLateOfferCreatedNeverMovesItBack() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            try await assign(id, to: "kate", "Kate Lewis", client: client)
            let routed = UUID()
            try await apply(offer(routed, of: id, "pending"), client: client)
            #expect(try await state(id, client) == "active")
            try await apply(offer(routed, of: id, "accepted"), client: client)
            #expect(try await state(id, client) == "active")

            // An instant transfer to an agent is an offer of an active interaction: still active.
            let transferOffer = UUID()
            try await apply(offer(transferOffer, of: id, "pending", kind: "transfer", agent: "sam", transfer: UUID()), client: client)
            #expect(try await state(id, client) == "active")
            try await apply(offer(transferOffer, of: id, "rejected", kind: "transfer", agent: "sam"), client: client)
            #expect(try await state(id, client) == "active")

            let other = try await inbound(Self.number(), Self.number(), "Hello", client)
            try await close(other, client)
            try await apply(offer(UUID(), of: other, "pending"), client: client)
            #expect(try await state(other, client) == "closed")
        }
    }

    @Test func aRejectedOrExpiredOfferPutsItBackInTheQueue() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            let (first, second, third) = (UUID(), UUID(), UUID())
            try await apply(offer(first, of: id, "pending"), client: client)
            try await apply(offer(first, of: id, "rejected"), client: client)
            #expect(try await state(id, client) == "queued")

            try await apply(offer(second, of: id, "pending", agent: "sam"), client: client)
            #expect(try await state(id, client) == "offered")
            try await apply(offer(second, of: id, "expired", agent: "sam"), client: client)
            #expect(try await state(id, client) == "queued")

            // The expiry overtook the creation (two replicas): the offer stays expired.
            try await apply(offer(third, of: id, "expired", agent: "tom"), offer(third, of: id, "pending", agent: "tom"), client: client)
            #expect(try await state(id, client) == "queued")
        }
    }

    /// Transfer offers the next agent in the same transaction that ends the previous offer,
    /// and a replica may apply the new offer first: the interaction stays offered.
    @Test func theNextOfferOvertakingTheEndOfThePreviousOneKeepsItOffered() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            let (first, second) = (UUID(), UUID())
            try await apply(offer(first, of: id, "pending"), offer(second, of: id, "pending", agent: "sam"), client: client)
            try await apply(offer(first, of: id, "rejected"), client: client)
            #expect(try await state(id, client) == "offered")
            try await apply(offer(second, of: id, "expired", agent: "sam"), client: client)
            #expect(try await state(id, client) == "queued")
        }
    }

    @Test func offersOfNoInteractionOrOfAnUnknownOneAreKeptAndMalformedOnesRefused() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            var callback = offer(UUID(), of: UUID(), "pending", kind: "callback")
            callback.interactionId = nil
            #expect(try ProjectedOffer(callback) == nil, "nothing of session's")

            let unknown = UUID()
            let kept = UUID()
            try await apply(offer(kept, of: unknown, "pending"), client: client)
            let rows = try await client.query("SELECT interaction_id FROM session.offers WHERE id = \(kept)", logger: logger)
            var interactions: [UUID] = []
            for try await interaction in rows.decode(UUID.self) { interactions.append(interaction) }
            #expect(interactions == [unknown])

            #expect(throws: InvalidMessage("unknown offer state open")) { try ProjectedOffer(offer(UUID(), of: unknown, "open")) }
            var badID = offer(UUID(), of: unknown, "pending")
            badID.id = "offer-1"
            #expect(throws: InvalidMessage("id is not a UUID")) { try ProjectedOffer(badID) }
            #expect(throws: InvalidMessage("unknown transfer state done")) { try ProjectedTransfer(transfer(UUID(), of: unknown, "done")) }
        }
    }

    // MARK: transfer

    @Test func aPendingTransferIsShownUntilRejected() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            try await assign(id, to: "kate", "Kate Lewis", client: client)
            #expect(try await response(id, client).transfer == nil)

            let (transferID, offerID) = (UUID(), UUID())
            let expiresAt = now.addingTimeInterval(30)
            try await apply(transfer(transferID, of: id, "pending"), client: client)
            try await apply(
                offer(offerID, of: id, "pending", kind: "transfer", agent: "sam", transfer: transferID, expiresAt: expiresAt), client: client)
            let shown = try await response(id, client)
            #expect(shown.interaction.state == "active")
            #expect(
                shown.transfer
                    == PendingTransferView(
                        id: transferID.uuidString.lowercased(), target: .init(type: "agent", id: "sam", name: nil),
                        fromAgent: PartyView(id: "kate", name: "Kate Lewis"), state: "pending", expiresAt: expiresAt
                    ))
            let page = try await store.responses(for: ListPage(items: [shown.interaction], next: nil), client: client, logger: logger)
            #expect(page.items.map(\.transfer) == [shown.transfer], "lists show it too")
            #expect(page.items.map(\.contactHistory) == [nil], "lists show no contact history")

            try await apply(offer(offerID, of: id, "rejected", kind: "transfer", agent: "sam", transfer: transferID), client: client)
            try await apply(transfer(transferID, of: id, "rejected"), client: client)
            let after = try await response(id, client)
            #expect(after.transfer == nil)
            #expect(after.interaction.state == "active")
            #expect(after.interaction.owner?.id == "kate")
        }
    }

    /// The assignment an accepted transfer causes can be applied before `transfer.accepted`
    /// arrives: the transfer is over as soon as the owner changed. A `transfer.requested`
    /// arriving after its end changes nothing.
    @Test func anAcceptedTransferIsClearedByTheAssignmentOrItsEventWhicheverComesFirst() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let id = try await inbound(Self.number(), Self.number(), "Hello", client)
            try await assign(id, to: "kate", "Kate Lewis", client: client)
            let transferID = UUID()
            try await apply(transfer(transferID, of: id, "pending"), client: client)
            #expect(try await response(id, client).transfer?.id == transferID.uuidString.lowercased())
            #expect(try await response(id, client).transfer?.expiresAt == nil, "no offer seen yet: no expiry known")

            try await assign(id, to: "sam", "Sam Other", expecting: "kate", transfer: transferID, client: client)
            #expect(try await response(id, client).transfer == nil)
            try await apply(transfer(transferID, of: id, "accepted"), transfer(transferID, of: id, "pending"), client: client)
            #expect(try await response(id, client).transfer == nil)
            let rows = try await client.query("SELECT state FROM session.transfers WHERE id = \(transferID)", logger: logger)
            var states: [String] = []
            for try await state in rows.decode(String.self) { states.append(state) }
            #expect(states == ["accepted"])

            // Transferred to a queue: completed at once, never shown pending.
            let requeued = UUID()
            let queue = TransferChanged.Target(type: "queue", id: "billing", name: nil)
            try await apply(
                transfer(requeued, of: id, "completed", target: queue), transfer(requeued, of: id, "completed", target: queue), client: client)
            #expect(try await response(id, client).transfer == nil)

            // Closed with a transfer still pending (its expiry not seen yet): not shown.
            let late = UUID()
            let other = try await inbound(Self.number(), Self.number(), "Hello", client)
            try await assign(other, to: "kate", "Kate Lewis", client: client)
            try await apply(transfer(late, of: other, "pending"), client: client)
            try await close(other, client)
            #expect(try await response(other, client).transfer == nil)
        }
    }

    // MARK: contact history

    /// The counts over the same two numbers while the contact is unknown, then over the
    /// contact's interactions once it is known: interactions open now or closed in the past
    /// 24 hours, and their messages (either way, no system entries) of the past 24 hours.
    @Test func contactHistoryCountsRecentInteractionsAndTheirMessages() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (customer, organisation, otherOrganisation) = (Self.number(), Self.number(), Self.number())

            // Closed 30 hours ago, its message then too: counted in neither.
            let old = try await inbound(customer, organisation, "Last week's question", client)
            try await close(old, client)
            try await client.query(
                "UPDATE session.interactions SET closed_at = now() - interval '30 hours' WHERE id = \(old)", logger: logger)
            try await client.query(
                "UPDATE session.transcript SET at = now() - interval '30 hours' WHERE interaction_id = \(old)", logger: logger)
            // Closed two hours ago: one interaction, one message.
            let recent = try await inbound(customer, organisation, "Earlier today", client)
            try await close(recent, client)
            try await client.query(
                "UPDATE session.interactions SET closed_at = now() - interval '2 hours' WHERE id = \(recent)", logger: logger)
            // Open now: its first message 25 hours old (a long session), two recent, and the
            // "Accepted by" system entry, which does not count.
            let current = try await inbound(customer, organisation, "Started yesterday", client)
            try await inbound(customer, organisation, "Any news?", client)
            try await assign(current, to: "kate", "Kate Lewis", client: client)
            try await inbound(customer, organisation, "Thanks", client)
            try await client.query(
                "UPDATE session.transcript SET at = now() - interval '25 hours' WHERE interaction_id = \(current) AND seq = 1", logger: logger)
            // Other numbers: another customer on this organisation number, this customer on another.
            try await inbound(Self.number(), organisation, "Someone else", client)
            let elsewhere = try await inbound(customer, otherOrganisation, "Other line", client)

            var history = try #require(try await response(current, client).contactHistory)
            #expect(history == ContactHistoryView(messageExchanges24h: 3, openOrRecentInteractions: 2))
            #expect(try await response(recent, client).contactHistory == history, "the same for every interaction of the pair")

            // The contact identified on two of them (also on the old one): its interactions
            // on every organisation number, not the unidentified ones.
            let commands = commands()
            let logger = logger
            for interaction in [current, elsewhere, old] {
                let link = ContactLinked(interactionId: interaction.uuidString.lowercased(), contactId: "contact-\(customer)", contactName: "Kim")
                try await client.withTransaction(logger: logger) { try await commands.linkContact(link, on: $0) }
            }
            history = try #require(try await response(current, client).contactHistory)
            #expect(history == ContactHistoryView(messageExchanges24h: 3, openOrRecentInteractions: 2))
            try await inbound(customer, otherOrganisation, "And one more", client)
            #expect(try await response(elsewhere, client).contactHistory == ContactHistoryView(messageExchanges24h: 4, openOrRecentInteractions: 2))
        }
    }
}
