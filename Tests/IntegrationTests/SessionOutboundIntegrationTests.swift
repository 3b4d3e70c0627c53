import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Session

/// An agent texting a customer first (`POST /v1/interactions`, issue #14) against the real
/// PostgreSQL, through ``InteractionCommands/openOutbound(_:by:traceparent:on:)`` run as the
/// route runs it: what is stored, the events and the outbound SMS in the outbox and their
/// order, the channel chosen, the refusals (opted out, an interaction already open, two
/// desks racing), the customer's answer joining it, and the carrier's error on a failed
/// part.
@Suite("Session: agent-initiated outbound interactions (real PostgreSQL)", .serialized)
struct SessionOutboundIntegrationTests {
    let logger = TestEnvironment.logger
    let kate = Identity(agentID: "kate", name: "Kate Lewis", roles: [.agent], permissions: [])
    let sam = Identity(agentID: "sam", name: "Sam Other", roles: [.agent], permissions: [])
    let sue = Identity(agentID: "sue", name: "Sue Pervisor", roles: [.supervisor], permissions: [])
    let store = PostgresInteractionStore(schema: "session")

    func commands(maxParts: Int = 10) -> InteractionCommands {
        InteractionCommands(
            store: store, settings: PostgresSettingsStore(schema: "session"), responses: StandardResponseStore(schema: "session"),
            outbox: Outbox(schema: "session"),
            defaults: NumberSettings(mode: .session, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false),
            dispositions: DispositionCatalog(codes: []), maxParts: maxParts, extractor: EntityExtractor(defaultRegion: "US"), logger: logger
        )
    }

    static func number() -> String { "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
            on: client, logger: logger)
    }

    func draft(
        to customer: String, from organisation: String, _ text: String = "Your order has shipped.", channel: String? = nil
    ) throws
        -> OutboundDraft
    {
        OutboundDraft(customer: customer, organisation: organisation, message: try MessageText(text, maxParts: 10), channel: channel)
    }

    /// Opens as the route does: one transaction, the command's own error rethrown.
    func open(_ draft: OutboundDraft, by identity: Identity, _ client: PostgresClient) async throws -> UUID {
        let commands = commands()
        return try await ServiceTransactions(client: client, outbox: Outbox(schema: "session"), logger: logger).run {
            try await commands.openOutbound(draft, by: identity, traceparent: nil, on: $0)
        }
    }

    func inbound(_ customer: String, _ organisation: String, _ text: String, channel: String = "default", _ client: PostgresClient) async throws {
        let id = UUID().uuidString.lowercased()
        let message = MessageReceived(
            messageId: id, channel: channel, carrierMessageId: "SM-\(id)", from: customer, to: organisation, text: text, media: [],
            receivedAt: Date(), acceptedAt: Date(), sequence: 1
        )
        let commands = commands()
        try await client.withTransaction(logger: logger) { try await commands.placeInbound(message, traceparent: nil, on: $0) }
    }

    func interactions(_ customer: String, _ organisation: String, _ client: PostgresClient) async throws -> [UUID] {
        let rows = try await client.query(
            """
            SELECT id FROM session.interactions WHERE from_number = \(customer) AND to_number = \(organisation) ORDER BY created_at
            """, logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    func close(_ id: UUID, _ client: PostgresClient) async throws {
        let (store, logger) = (store, logger)
        try await client.withTransaction(logger: logger) { try await store.close(id, reason: "done", at: Date(), on: $0, logger: logger) }
    }

    /// The interaction's outbox rows in order: type, routing key, body.
    func outbox(of id: UUID, _ client: PostgresClient) async throws -> [(type: String, key: String, body: Data)] {
        let rows = try await client.query(
            """
            SELECT message_type, routing_key, body FROM session.outbox WHERE correlation_id = \(id.uuidString.lowercased()) ORDER BY id
            """, logger: logger)
        var found: [(type: String, key: String, body: Data)] = []
        for try await (type, key, body) in rows.decode((String, String, Data).self) { found.append((type, key, body)) }
        return found
    }

    func attempt(_ body: () async throws -> UUID) async -> Result<UUID, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    func expectRefused(_ expected: SessionError, _ body: () async throws -> UUID, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let id = try await body()
            Issue.record("opened \(id) instead of \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error as? SessionError == expected, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func anAgentOpensAnInteractionOwnedByThemWithItsFirstMessageSent() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (organisation, customer) = (Self.number(), Self.number())
            try await PostgresSettingsStore(schema: "session").save(
                NumberSettings(mode: .session, queue: "sales", inactivityTimeoutSeconds: 900, dispositionRequired: true),
                for: organisation, client: client, logger: logger
            )
            // The customer wrote before, through a carrier of its own; that session is still open
            // (queued): refused, named to a supervisor, not to an agent who cannot see it.
            try await inbound(customer, organisation, "Where is my order?", channel: "twilio-main", client)
            let earlier = try #require(try await interactions(customer, organisation, client).first)
            await expectRefused(.interactionOpen(nil)) { try await open(try draft(to: customer, from: organisation), by: kate, client) }
            await expectRefused(.interactionOpen(earlier)) { try await open(try draft(to: customer, from: organisation), by: sue, client) }
            try await close(earlier, client)

            let text = "Your order has shipped. Track it at https://example.com/t/1"
            let id = try await open(try draft(to: customer, from: organisation, text), by: kate, client)
            let view = try #require(try await store.interaction(id: id, client: client, logger: logger))
            #expect(view.state == "active")
            #expect(view.owner == PartyView(id: "kate", name: "Kate Lewis"))
            #expect(view.mode == "session")
            #expect(view.origin == "Outbound SMS Session Mode")
            #expect(view.queue == "sales")
            #expect(view.channel == "twilio-main", "the conversation's latest channel")
            #expect((view.from, view.to) == (customer, organisation))
            let entry = try #require(view.transcript?.first)
            #expect(view.transcript?.count == 1)
            #expect(entry.seq == 1 && entry.kind == "message" && entry.direction == "outbound")
            #expect(entry.author == AuthorView(type: "agent", id: "kate", name: "Kate Lewis"))
            #expect(entry.text == text)
            #expect(entry.parts == [TranscriptEntryView.PartView(text: text, status: "queued")])
            #expect(entry.entities.urls.map(\.display) == ["https://example.com/t/1"])
            let participants = try await client.withConnection { try await store.participants(id, on: $0, logger: logger) }
            #expect(participants == ["kate"])
            let record = try await client.withTransaction(logger: logger) { try await store.lock(id, on: $0, logger: logger) }
            #expect(record?.dispositionRequired == true, "the number's settings apply")
            #expect(record?.inactivityTimeoutSeconds == 900)

            // Assigned before created (transfer never routes it), then the entry, then the SMS.
            let rows = try await outbox(of: id, client)
            #expect(rows.map(\.type) == ["interaction.assigned", "interaction.created", "interaction.message.appended", "sms.outbound"])
            #expect(rows.map(\.key) == ["interaction.assigned", "interaction.created", "interaction.message.appended", "sms.twilio-main"])
            let assigned = try JSONSerialization.jsonObject(with: rows[0].body) as? [String: Any]
            let assignedData = assigned?["data"] as? [String: Any]
            #expect(assignedData?["agent_id"] as? String == "kate")
            #expect(assignedData?["reason"] as? String == "outbound")
            #expect(assignedData?["previous_owner_id"] == nil)
            let created = (try JSONSerialization.jsonObject(with: rows[1].body) as? [String: Any])?["data"] as? [String: Any]
            #expect(created?["queue"] as? String == "sales")
            #expect(created?["from"] as? String == customer)
            let sms = try SwitchboardJSON.decoder().decode(OutboundSMS.self, from: rows[3].body)
            #expect(sms.interactionId == id.uuidString.lowercased())
            #expect((sms.from, sms.to, sms.channel, sms.text) == (organisation, customer, "twilio-main", text))
            #expect(sms.parts == [text] && sms.encoding == "gsm7")

            // Open: a second one is refused, named to its owner only; the customer's answer joins it.
            await expectRefused(.interactionOpen(id)) { try await open(try draft(to: customer, from: organisation), by: kate, client) }
            await expectRefused(.interactionOpen(nil)) { try await open(try draft(to: customer, from: organisation), by: sam, client) }
            try await inbound(customer, organisation, "Thanks!", client)
            let joined = try #require(try await store.interaction(id: id, client: client, logger: logger))
            #expect(joined.transcript?.map(\.text) == [text, "Thanks!"])
            #expect(try await interactions(customer, organisation, client) == [earlier, id])
        }
    }

    @Test func theChannelIsTheRequestsElseTheOrganisationNumbersElseDefault() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (organisation, someone, customer, other) = (Self.number(), Self.number(), Self.number(), Self.number())
            try await inbound(someone, organisation, "Hello", channel: "kannel-1", client)

            let fromNumber = try await open(try draft(to: customer, from: organisation), by: kate, client)
            #expect(try await store.interaction(id: fromNumber, client: client, logger: logger)?.channel == "kannel-1")
            let named = try await open(try draft(to: other, from: organisation, channel: "vonage-eu"), by: kate, client)
            #expect(try await store.interaction(id: named, client: client, logger: logger)?.channel == "vonage-eu")
            #expect(try await outbox(of: named, client).last?.key == "sms.vonage-eu")
            let fresh = try await open(try draft(to: customer, from: Self.number()), by: kate, client)
            #expect(try await store.interaction(id: fresh, client: client, logger: logger)?.channel == "default")
        }
    }

    @Test func anOptedOutCustomerIsNotTexted() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (organisation, customer) = (Self.number(), Self.number())
            let logger = logger
            try await client.withTransaction(logger: logger) {
                try await PostgresSettingsStore(schema: "session").recordConsent(
                    organisation: organisation, customer: customer, optedOut: true, at: Date(), on: $0, logger: logger)
            }
            await expectRefused(.recipientOptedOut) { try await open(try draft(to: customer, from: organisation), by: kate, client) }
            #expect(try await interactions(customer, organisation, client).isEmpty, "nothing was written")
        }
    }

    /// Two desks texting the same customer at once: one interaction; the other desk is refused
    /// (without the id: the interaction is not its to see).
    @Test func twoDesksRacingOpenOneInteraction() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (organisation, customer) = (Self.number(), Self.number())
            let first = try draft(to: customer, from: organisation, "From Kate")
            let second = try draft(to: customer, from: organisation, "From Sam")
            async let kateOpens = attempt { try await open(first, by: kate, client) }
            async let samOpens = attempt { try await open(second, by: sam, client) }
            let outcomes = await [kateOpens, samOpens]
            let opened = outcomes.compactMap { try? $0.get() }
            #expect(opened.count == 1)
            #expect(try await interactions(customer, organisation, client) == opened)
            for case .failure(let error) in outcomes {
                #expect(error as? SessionError == .interactionOpen(nil), "\(error)")
            }
        }
    }

    /// The carrier's error code and text land on the failed part only; parts stored before
    /// those keys existed still read.
    @Test func aFailedPartShowsTheCarriersError() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let (organisation, customer) = (Self.number(), Self.number())
            let text = String(repeating: "Parcel update. ", count: 15)  // 225 GSM-7 characters: two parts
            let id = try await open(try draft(to: customer, from: organisation, text), by: kate, client)
            let sent = try #require(try await outbox(of: id, client).last)
            let messageID = try SwitchboardJSON.decoder().decode(OutboundSMS.self, from: sent.body).messageId
            let commands = commands()
            let logger = logger
            let report = MessageStatus(
                messageId: messageID, part: 2, status: "undelivered", errorCode: "30003", errorReason: "Unreachable destination handset", at: Date())
            try await client.withTransaction(logger: logger) { try await commands.applyStatus(report, traceparent: nil, on: $0) }
            let parts = try #require(try await store.interaction(id: id, client: client, logger: logger)?.transcript?.first?.parts)
            #expect(parts.map(\.status) == ["queued", "undelivered"])
            #expect(parts.map(\.errorCode) == [nil, "30003"])
            #expect(parts.map(\.errorReason) == [nil, "Unreachable destination handset"])

            // A row written before error_code and error_reason existed.
            try await client.query(
                """
                UPDATE session.transcript SET parts = '[{"text": "a", "status": "sent"}, {"text": "b", "status": "sent"}]'::jsonb
                WHERE message_id = \(messageID)
                """, logger: logger)
            let old = try #require(try await store.interaction(id: id, client: client, logger: logger)?.transcript?.first?.parts)
            #expect(old == [.init(text: "a", status: "sent"), .init(text: "b", status: "sent")])
            let failed = MessageStatus(messageId: messageID, part: nil, status: "failed", errorCode: "30005", at: Date())
            try await client.withTransaction(logger: logger) { try await commands.applyStatus(failed, traceparent: nil, on: $0) }
            let after = try #require(try await store.interaction(id: id, client: client, logger: logger)?.transcript?.first?.parts)
            #expect(after.map(\.status) == ["failed", "failed"])
            #expect(after.map(\.errorCode) == ["30005", "30005"])
            #expect(after.map(\.errorReason) == [nil, nil])
        }
    }
}
