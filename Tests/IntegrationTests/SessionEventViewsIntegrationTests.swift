import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Session

/// Session's events carry what an agent desktop shows (transfer's live stream reads them
/// and never session's tables), against the real PostgreSQL: `interaction.message.appended`
/// has the entry exactly as `GET /v1/interactions/{id}` renders it, on the batch and the
/// one-by-one inbound paths; a receipt that moves a part is one `interaction.message.updated`
/// (a repeated or overtaken one is none); `interaction.created`, `.assigned`, `.updated` and
/// `.closed` have the interaction as GET renders it, without its transcript.
@Suite("Session: events carry the entry and the interaction (real PostgreSQL)", .serialized)
struct SessionEventViewsIntegrationTests {
    let logger = TestEnvironment.logger
    let kate = Identity(agentID: "kate", name: "Kate Lewis", roles: [.agent], permissions: [])
    let store = PostgresInteractionStore(schema: "session")

    func commands() -> InteractionCommands {
        InteractionCommands(
            store: store, settings: PostgresSettingsStore(schema: "session"), responses: StandardResponseStore(schema: "session"),
            outbox: Outbox(schema: "session"),
            defaults: NumberSettings(mode: .session, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false),
            dispositions: DispositionCatalog(codes: [.init(code: "resolved", label: "Resolved")]), maxParts: 10,
            extractor: EntityExtractor(defaultRegion: "US"), logger: logger
        )
    }

    static func number() -> String { "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }

    /// Whole milliseconds, as ingest's times are (read from RFC 3339 text), that a `Double`
    /// holds just below their value: PostgreSQL keeps `.xxx999` (PostgresNIO truncates to the
    /// microsecond), which GET renders a millisecond earlier than the `Date` in memory
    /// unless the event's view is built as stored (``StoredTime``).
    static let acceptedAt = [1_796_490_094.001, 1_796_490_094.008, 1_796_490_094.011, 1_796_490_094.199].map {
        Date(timeIntervalSince1970: $0)
    }

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
            on: client, logger: logger)
    }

    func message(_ from: String, _ to: String, _ text: String, sequence: Int64) -> MessageReceived {
        let id = UUID().uuidString.lowercased()
        let at = Self.acceptedAt[Int(sequence) % Self.acceptedAt.count]
        return MessageReceived(
            messageId: id, channel: "default", carrierMessageId: "SM-\(id)", from: from, to: to, text: text, media: [], receivedAt: at,
            acceptedAt: at, sequence: sequence
        )
    }

    func interactionID(_ customer: String, _ organisation: String, _ client: PostgresClient) async throws -> UUID {
        let rows = try await client.query(
            "SELECT id FROM session.interactions WHERE from_number = \(customer) AND to_number = \(organisation)", logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw InteractionMissing(id: UUID())
    }

    /// The interaction's events in outbox order (ordering key: the interaction id): type and `data`.
    func events(of id: UUID, _ client: PostgresClient) async throws -> [(type: String, data: [String: Any])] {
        let rows = try await client.query(
            """
            SELECT message_type, body FROM session.outbox
            WHERE correlation_id = \(id.uuidString.lowercased()) AND message_type LIKE 'interaction.%' ORDER BY id
            """, logger: logger)
        var found: [(type: String, data: [String: Any])] = []
        for try await (type, body) in rows.decode((String, Data).self) {
            let envelope = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            found.append((type, envelope?["data"] as? [String: Any] ?? [:]))
        }
        return found
    }

    /// A value as the API writes it, read back as `JSONSerialization` reads an event.
    func rendered(_ value: some Encodable) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: SwitchboardJSON.encoder().encode(value)) as? NSDictionary)
    }

    /// GET's interaction without its transcript, and its transcript.
    func get(_ id: UUID, _ client: PostgresClient) async throws -> (interaction: NSDictionary, transcript: [NSDictionary]) {
        var view = try #require(try await store.interaction(id: id, client: client, logger: logger))
        let transcript = try (view.transcript ?? []).map(rendered)
        view.transcript = nil
        return (try rendered(view), transcript)
    }

    static let interactionKeys = [
        "case_data", "channel", "close_reason", "closed_at", "contact", "created_at", "disposition", "elapsed_seconds", "from", "id", "media",
        "mode", "note", "origin", "owner", "queue", "state", "to",
    ]

    @Test func inboundMessagesEventsCarryTheirEntryWithEntities() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let commands = commands()
            let (organisation, customer) = (Self.number(), Self.number())
            let text = "Call +1 415 555 0100 or mail kate@example.com, see https://example.com/order/1"
            // One by one, then a batch (the hot path).
            try await client.withTransaction(logger: logger) {
                try await commands.placeInbound(message(customer, organisation, "Hello", sequence: 1), traceparent: nil, on: $0)
            }
            let batch = [message(customer, organisation, text, sequence: 2), message(customer, organisation, "Thanks", sequence: 3)]
            try await client.withTransaction(logger: logger) {
                try await commands.placeInboundBatch(batch.map { (message: $0, traceparent: String?.none) }, on: $0)
            }
            let id = try await interactionID(customer, organisation, client)
            let events = try await events(of: id, client)
            #expect(events.map(\.type) == ["interaction.created"] + Array(repeating: "interaction.message.appended", count: 3))
            let (interaction, transcript) = try await get(id, client)
            #expect(transcript.count == 3)
            let appended = events.filter { $0.type == "interaction.message.appended" }
            for (event, shown) in zip(appended, transcript) {
                let entry = try #require(event.data["entry"] as? NSDictionary)
                #expect(entry == shown, "the event's entry is GET's: \(entry) vs \(shown)")
                #expect(entry["seq"] as? Int == event.data["seq"] as? Int)
            }
            let entry = try #require(appended[1].data["entry"] as? [String: Any])
            #expect(entry["text"] as? String == text)
            #expect(entry["direction"] as? String == "inbound")
            let author = entry["author"] as? [String: Any]
            #expect(author?["type"] as? String == "contact" && author?["id"] as? String == customer && author?["name"] is NSNull)
            let entities = try #require(entry["entities"] as? [String: Any])
            #expect(entities["phones"] as? [String] == ["+14155550100"])
            #expect(entities["emails"] as? [String] == ["kate@example.com"])
            let urls = entities["urls"] as? [[String: Any]]
            #expect(urls?.map { $0["display"] as? String } == ["https://example.com/order/1"])
            #expect(urls?.map { $0["suspicious"] as? Bool } == [false])

            // The creation shows the interaction as it was created: queued, nobody's, no transcript.
            let created = try #require(events.first?.data["interaction"] as? NSDictionary)
            #expect((created.allKeys as? [String])?.sorted() == Self.interactionKeys)
            #expect(created["state"] as? String == "queued")
            #expect(created["owner"] is NSNull)
            for key in ["id", "mode", "media", "channel", "from", "to", "queue", "origin", "created_at", "case_data"] {
                #expect((created[key] as? NSObject) == (interaction[key] as? NSObject), "\(key)")
            }
        }
    }

    @Test func aReceiptThatMovesAPartIsOneMessageUpdated() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let commands = commands()
            let (organisation, customer) = (Self.number(), Self.number())
            let draft = OutboundDraft(
                customer: customer, organisation: organisation, message: try MessageText("Your parcel is on its way", maxParts: 10), channel: nil)
            let kate = kate
            let id = try await ServiceTransactions(client: client, outbox: Outbox(schema: "session"), logger: logger).run {
                try await commands.openOutbound(draft, by: kate, traceparent: nil, on: $0)
            }
            let sms = try await client.query(
                "SELECT body FROM session.outbox WHERE correlation_id = \(id.uuidString.lowercased()) AND message_type = 'sms.outbound'",
                logger: logger)
            var messageID: String?
            for try await body in sms.decode(Data.self) { messageID = try SwitchboardJSON.decoder().decode(OutboundSMS.self, from: body).messageId }
            let sent = try #require(messageID)
            // The reply's own appended event carries its entry with the part queued.
            let before = try await events(of: id, client)
            let replyEntry = try #require(before.last { $0.type == "interaction.message.appended" }?.data["entry"] as? [String: Any])
            #expect((replyEntry["parts"] as? [[String: Any]])?.map { $0["status"] as? String } == ["queued"])
            #expect((replyEntry["author"] as? [String: Any])?["name"] as? String == "Kate Lewis")

            func apply(_ status: String, errorCode: String? = nil) async throws {
                let report = MessageStatus(messageId: sent, part: 1, status: status, errorCode: errorCode, at: Date())
                try await client.withTransaction(logger: logger) { try await commands.applyStatus(report, traceparent: nil, on: $0) }
            }
            func updates() async throws -> [[String: Any]] {
                try await events(of: id, client).filter { $0.type == "interaction.message.updated" }.map(\.data)
            }
            try await apply("delivered")
            try await apply("delivered")  // a repeated receipt
            try await apply("sent")  // overtaken: delivered stays
            let updated = try await updates()
            #expect(updated.count == 1)
            let update = try #require(updated.first)
            #expect(update["interaction_id"] as? String == id.uuidString.lowercased())
            #expect(update["seq"] as? Int == 1)
            #expect(update["at"] is String)
            let entry = try #require(update["entry"] as? NSDictionary)
            let shown = try await get(id, client).transcript.first
            #expect(entry == shown, "the entry as GET now shows it")
            #expect((entry["parts"] as? [[String: Any]])?.map { $0["status"] as? String } == ["delivered"])

            // A failure after all is a change too, with the carrier's error.
            try await apply("failed", errorCode: "30005")
            #expect(try await updates().count == 1, "failed does not overtake delivered")
            // An unknown message changes nothing and emits nothing.
            let unknown = MessageStatus(messageId: UUID().uuidString, part: nil, status: "sent", errorCode: nil, at: Date())
            try await client.withTransaction(logger: logger) { try await commands.applyStatus(unknown, traceparent: nil, on: $0) }
            #expect(try await updates().count == 1)
        }
    }

    @Test func lifecycleEventsCarryTheInteractionWithoutItsTranscript() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let commands = commands()
            let (organisation, customer) = (Self.number(), Self.number())
            try await client.withTransaction(logger: logger) {
                try await commands.placeInbound(message(customer, organisation, "Where is my order?", sequence: 1), traceparent: nil, on: $0)
            }
            let id = try await interactionID(customer, organisation, client)
            let (kate, logger) = (kate, logger)
            try await client.withTransaction(logger: logger) {
                try await commands.assign(
                    InteractionAssign(
                        interactionId: id.uuidString.lowercased(), agentId: "kate", agentName: "Kate Lewis", expectedOwnerId: nil,
                        reason: "routed", transferId: nil), traceparent: nil, on: $0)
            }
            try await client.withTransaction(logger: logger) { try await commands.setNote(id, text: "VIP", by: kate, traceparent: nil, on: $0) }
            try await client.withTransaction(logger: logger) {
                try await commands.setDisposition(id, code: "resolved", by: kate, traceparent: nil, on: $0)
            }
            try await client.withTransaction(logger: logger) { try await commands.done(id, by: kate, traceparent: nil, on: $0) }

            let events = try await events(of: id, client).filter { $0.type != "interaction.message.appended" }
            #expect(
                events.map(\.type) == [
                    "interaction.created", "interaction.assigned", "interaction.updated", "interaction.updated", "interaction.closed",
                ])
            let views = try events.map { try #require($0.data["interaction"] as? [String: Any]) }
            for view in views {
                #expect(view.keys.sorted() == Self.interactionKeys, "every key of GET's view, no transcript")
                #expect(view["id"] as? String == id.uuidString.lowercased())
            }
            let owner = views[1]["owner"] as? [String: Any]
            #expect(views[1]["state"] as? String == "active")
            #expect(owner?["id"] as? String == "kate" && owner?["name"] as? String == "Kate Lewis")
            #expect(views[2]["note"] as? String == "VIP" && views[2]["disposition"] is NSNull)
            #expect(views[3]["disposition"] as? String == "resolved")
            let closed = views[4]
            #expect(closed["state"] as? String == "closed")
            #expect(closed["close_reason"] as? String == "done")
            #expect(closed["closed_at"] is String)
            #expect(closed["note"] as? String == "VIP" && closed["disposition"] as? String == "resolved")
            // The closing view is GET's once closed (elapsed seconds counted to the close).
            let shown = try await get(id, client).interaction
            #expect(NSDictionary(dictionary: closed) == shown)
        }
    }
}
