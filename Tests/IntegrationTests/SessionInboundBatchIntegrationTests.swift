import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Session

/// The set-based path of inbound SMS must write what placing the messages one by one
/// writes: the same interactions, transcript numbering, activity and events, in order.
@Suite("Session: inbound SMS in batches (real PostgreSQL)", .serialized)
struct SessionInboundBatchIntegrationTests {
    let logger = TestEnvironment.logger
    let timeout = 600

    func commands() -> InteractionCommands {
        InteractionCommands(
            store: PostgresInteractionStore(schema: "session"), settings: PostgresSettingsStore(schema: "session"),
            responses: StandardResponseStore(schema: "session"), outbox: Outbox(schema: "session"),
            defaults: NumberSettings(mode: .session, queue: "sms", inactivityTimeoutSeconds: timeout, dispositionRequired: false),
            dispositions: DispositionCatalog(codes: []), maxParts: 10, extractor: EntityExtractor(defaultRegion: "US"), logger: logger
        )
    }

    static func number() -> String { "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }

    func message(_ from: String, _ to: String, _ text: String, at: Date, sequence: Int64) -> MessageReceived {
        let id = UUID().uuidString.lowercased()
        return MessageReceived(
            messageId: id, channel: "default", carrierMessageId: "SM-\(id)", from: from, to: to, text: text, media: [],
            receivedAt: at, acceptedAt: at, sequence: sequence
        )
    }

    /// Each interaction's entries (message ids by seq), and its mode and activity.
    struct Placed: Equatable {
        var mode: String
        var messages: [String]
        var lastActivity: Date
        var timeout: Date?
    }

    func placed(from customers: [String], _ client: PostgresClient) async throws -> [UUID: Placed] {
        let rows = try await client.query(
            """
            SELECT i.id, i.mode, i.last_activity_at, i.timeout_at, t.message_id, t.seq
            FROM session.interactions i JOIN session.transcript t ON t.interaction_id = i.id
            WHERE i.from_number = ANY(\(customers)) ORDER BY i.id, t.seq
            """, logger: logger)
        var placed: [UUID: Placed] = [:]
        var expectedSeq: [UUID: Int] = [:]
        for try await (id, mode, last, timeout, messageID, seq) in rows.decode((UUID, String, Date, Date?, String, Int).self) {
            expectedSeq[id, default: 0] += 1
            #expect(seq == expectedSeq[id], "sequence numbers start at 1 and have no gaps")
            placed[id, default: Placed(mode: mode, messages: [], lastActivity: last, timeout: timeout)].messages.append(messageID)
        }
        return placed
    }

    /// A session opened one by one with message "one", and the conversation's next message,
    /// "two", not placed yet.
    func openSession(
        _ commands: InteractionCommands, _ client: PostgresClient
    ) async throws -> (session: UUID, first: MessageReceived, late: MessageReceived) {
        let (organisation, customer) = (Self.number(), Self.number())
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
        let first = message(customer, organisation, "one", at: start, sequence: 1)
        try await client.withTransaction(logger: logger) { try await commands.placeInbound(first, traceparent: nil, on: $0) }
        let session = try #require(try await placed(from: [customer], client).first?.key)
        return (session, first, message(customer, organisation, "two", at: start.addingTimeInterval(1), sequence: 2))
    }

    @Test func aBatchWritesWhatPlacingOneByOneWrites() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let commands = commands()
            let (organisation, pageNumber, alice, bob) = (Self.number(), Self.number(), Self.number(), Self.number())
            try await PostgresSettingsStore(schema: "session").save(
                NumberSettings(mode: .page, queue: "pages", inactivityTimeoutSeconds: 60, dispositionRequired: false),
                for: pageNumber, client: client, logger: logger
            )
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
            func at(_ second: Int) -> Date { start.addingTimeInterval(TimeInterval(second)) }
            // Alice's session is open with two messages, placed one by one.
            let before = [message(alice, organisation, "one", at: at(0), sequence: 1), message(alice, organisation, "two", at: at(1), sequence: 2)]
            for item in before {
                try await client.withTransaction(logger: logger) { try await commands.placeInbound(item, traceparent: nil, on: $0) }
            }
            let batch = [
                message(alice, organisation, "three", at: at(2), sequence: 3),
                message(bob, organisation, "hello", at: at(3), sequence: 4),
                message(alice, organisation, "four call +1 415 555 0100", at: at(4), sequence: 5),
                message(bob, organisation, "again", at: at(5), sequence: 6),
                message(alice, pageNumber, "page one", at: at(6), sequence: 7),
                message(alice, pageNumber, "page two", at: at(7), sequence: 8),
            ]
            let items = batch.map { (message: $0, traceparent: String?.none) }
            try await client.withTransaction(logger: logger) { try await commands.placeInboundBatch(items, on: $0) }

            let placed = try await placed(from: [alice, bob], client)
            let byFirstMessage = Dictionary(uniqueKeysWithValues: placed.map { ($0.value.messages[0], ($0.key, $0.value)) })
            let aliceSession = try #require(byFirstMessage[before[0].messageId])
            #expect(aliceSession.1.messages == [before[0], before[1], batch[0], batch[2]].map(\.messageId))
            #expect(aliceSession.1.mode == "session")
            #expect(abs(aliceSession.1.lastActivity.timeIntervalSince(at(4))) < 0.001)
            // The timer's next look stays where the session opened it (never after the deadline).
            #expect(abs((aliceSession.1.timeout ?? .distantPast).timeIntervalSince(at(0).addingTimeInterval(TimeInterval(timeout)))) < 0.001)
            let bobSession = try #require(byFirstMessage[batch[1].messageId])
            #expect(bobSession.1.messages == [batch[1], batch[3]].map(\.messageId))
            #expect(abs(bobSession.1.lastActivity.timeIntervalSince(at(5))) < 0.001)
            let pages = [batch[4], batch[5]].map { byFirstMessage[$0.messageId] }
            #expect(pages.map { $0?.1.messages.count } == [1, 1])
            #expect(pages.map { $0?.1.mode } == ["page", "page"])
            #expect(pages.map { $0?.1.timeout } == [nil, nil])
            #expect(placed.count == 4)

            // Events in the batch's order: a new interaction's `created` before its first entry.
            let ids = [aliceSession.0, bobSession.0] + pages.compactMap { $0?.0 }
            let rows = try await client.query(
                """
                SELECT message_type, convert_from(body, 'UTF8') FROM session.outbox
                WHERE convert_from(body, 'UTF8') LIKE ANY(\(ids.map { "%\($0.uuidString.lowercased())%" }))
                ORDER BY id
                """, logger: logger)
            var events: [String] = []
            for try await (type, body) in rows.decode((String, String).self) {
                let envelope = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
                let data = envelope?["data"] as? [String: Any]
                let interaction = ids.firstIndex { $0.uuidString.lowercased() == data?["interaction_id"] as? String } ?? -1
                events.append("\(type) \(interaction)" + (data?["seq"].map { " \($0)" } ?? ""))
            }
            let appended = "interaction.message.appended"
            #expect(
                events == [
                    "interaction.created 0", "\(appended) 0 1", "\(appended) 0 2",
                    "\(appended) 0 3", "interaction.created 1", "\(appended) 1 1", "\(appended) 0 4", "\(appended) 1 2",
                    "interaction.created 2", "\(appended) 2 1", "interaction.created 3", "\(appended) 3 1",
                ])
            // Entities are extracted as on the one-by-one path.
            let entities = try await client.query(
                "SELECT entities::text FROM session.transcript WHERE message_id = \(batch[2].messageId)", logger: logger
            )
            let expected = EntityExtractor(defaultRegion: "US").extract(batch[2].text)
            #expect(!expected.phones.isEmpty)
            for try await text in entities.decode(String.self) {
                #expect(try SwitchboardJSON.decoder().decode(TranscriptEntities.self, from: Data(text.utf8)) == expected)
            }

            // The numbering continues after the batch: one more message in each session, placed
            // one by one, takes the next number (`placed` checks 1, 2, … without gaps).
            let later = [message(alice, organisation, "five", at: at(8), sequence: 9), message(bob, organisation, "three", at: at(9), sequence: 10)]
            for item in later {
                try await client.withTransaction(logger: logger) { try await commands.placeInbound(item, traceparent: nil, on: $0) }
            }
            let continued = try await self.placed(from: [alice, bob], client)
            #expect(continued[aliceSession.0]?.messages.last == later[0].messageId)
            #expect(continued[aliceSession.0]?.messages.count == 5)
            #expect(continued[bobSession.0]?.messages == [batch[1], batch[3], later[1]].map(\.messageId))
        }
    }

    /// The timer's look at a session that was active since gives it its real deadline (last
    /// activity plus the timeout) instead of closing it; at that deadline it is due.
    @Test func activityPushesTheInactivityDeadline() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let commands = commands()
            let store = PostgresInteractionStore(schema: "session")
            let (organisation, customer) = (Self.number(), Self.number())
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
            let messages = [0, 100, 200].map {
                message(customer, organisation, "at \($0)", at: start.addingTimeInterval(TimeInterval($0)), sequence: 1)
            }
            try await client.withTransaction(logger: logger) { try await commands.placeInbound(messages[0], traceparent: nil, on: $0) }
            let rest = Array(messages.dropFirst()).map { (message: $0, traceparent: String?.none) }
            try await client.withTransaction(logger: logger) { try await commands.placeInboundBatch(rest, on: $0) }
            let session = try #require(try await placed(from: [customer], client).first?.key)
            let (timeout, logger) = (TimeInterval(timeout), logger)
            // First look, at the opening deadline: active since, so not closed, rescheduled.
            let firstLook = try await client.withTransaction(logger: logger) { connection in
                try await store.claimDueTimeouts(now: start.addingTimeInterval(timeout + 1), limit: 10_000, on: connection, logger: logger)
            }
            #expect(!firstLook.contains { $0.id == session })
            let next = try await placed(from: [customer], client)[session]?.timeout
            #expect(abs((next ?? .distantPast).timeIntervalSince(start.addingTimeInterval(200 + timeout))) < 0.001)
            // At the real deadline it is due.
            let due = try await client.withTransaction(logger: logger) { connection in
                try await store.claimDueTimeouts(now: start.addingTimeInterval(200 + timeout + 1), limit: 10_000, on: connection, logger: logger)
            }
            #expect(due.contains { $0.id == session })
        }
    }

    /// One statement claims a batch's message ids: those seen before, or twice in the
    /// batch, are not claimed again.
    @Test func theInboxClaimsABatchOnce() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let inbox = Inbox(schema: "session")
            let (seen, fresh) = (UUID().uuidString, UUID().uuidString)
            let first = try await client.withTransaction(logger: logger) {
                try await inbox.claim(messageIDs: [seen], consumer: "batch-test", on: $0, logger: TestEnvironment.logger)
            }
            #expect(first == [seen])
            let second = try await client.withTransaction(logger: logger) {
                try await inbox.claim(messageIDs: [fresh, seen, fresh], consumer: "batch-test", on: $0, logger: TestEnvironment.logger)
            }
            #expect(second == [fresh])
        }
    }

    /// A number switched to Page mode may still have a session open from before: the batch
    /// opens an interaction per message there, as the one-by-one path does, and leaves the
    /// session as it was.
    @Test func aPageModeNumbersLeftoverSessionIsNotJoined() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let commands = commands()
            let (organisation, customer) = (Self.number(), Self.number())
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
            let first = message(customer, organisation, "in session mode", at: start, sequence: 1)
            try await client.withTransaction(logger: logger) { try await commands.placeInbound(first, traceparent: nil, on: $0) }
            try await PostgresSettingsStore(schema: "session").save(
                NumberSettings(mode: .page, queue: "pages", inactivityTimeoutSeconds: 60, dispositionRequired: false),
                for: organisation, client: client, logger: logger
            )
            let batch = [1, 2].map { message(customer, organisation, "page \($0)", at: start.addingTimeInterval(TimeInterval($0)), sequence: 2) }
            let items = batch.map { (message: $0, traceparent: String?.none) }
            try await client.withTransaction(logger: logger) { try await commands.placeInboundBatch(items, on: $0) }

            let placed = try await placed(from: [customer], client)
            #expect(placed.count == 3)
            let session = try #require(placed.first { $0.value.messages == [first.messageId] })
            #expect(session.value.mode == "session")
            #expect(abs(session.value.lastActivity.timeIntervalSince(start)) < 0.001)
            #expect(Set(placed.values.filter { $0.mode == "page" }.flatMap(\.messages)) == Set(batch.map(\.messageId)))
        }
    }

    /// Entries are numbered from what was read under the session's lock; if the session's
    /// numbering had moved since, the write fails and writes none of the batch, instead of a
    /// gap or a duplicate number (the batch is then handled message by message).
    @Test func aWriteNumberedFromAStaleReadWritesNothing() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let (commands, store) = (commands(), PostgresInteractionStore(schema: "session"))
            let (session, first, late) = try await openSession(commands, client)
            let customer = first.from
            let entry = InboundEntry(
                interactionID: session, messageID: late.messageId, customer: customer, text: late.text, entities: TranscriptEntities(),
                ingestSequence: 2, at: late.acceptedAt)
            // The session's next entry is 2; numbering from 1 is a stale read.
            let stale = InboundSequencing(entries: [(session, false)], nextSeq: [session: 1])
            do {
                try await client.withTransaction(logger: logger) { connection in
                    try await store.writeInbound(created: [], entries: [entry], sequencing: stale, on: connection, logger: logger)
                }
                Issue.record("a write numbered from a stale read succeeded")
            } catch let error as PostgresTransactionError {
                #expect(error.closureError is InboundBatchNotWritten, "\(error)")
            }
            #expect(try await placed(from: [customer], client)[session]?.messages == [first.messageId])
            let current = InboundSequencing(entries: [(session, false)], nextSeq: [session: 2])
            try await client.withTransaction(logger: logger) { connection in
                try await store.writeInbound(created: [], entries: [entry], sequencing: current, on: connection, logger: logger)
            }
            #expect(try await placed(from: [customer], client)[session]?.messages == [first.messageId, late.messageId])
        }
    }

    /// A session closed by another transaction while the batch waits for its lock is not
    /// joined: the lock returns the row as that transaction left it, and the batch's message
    /// opens a new session, as the one-by-one path would.
    @Test func aSessionClosedWhileTheBatchWaitsForItsLockIsNotJoined() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let (commands, logger) = (commands(), logger)
            let (session, first, late) = try await openSession(commands, client)
            let customer = first.from

            try await client.withConnection { closer in
                let closerPID = try await closer.query("SELECT pg_backend_pid()", logger: logger).collect().first?.decode(Int32.self) ?? 0
                try await closer.query("BEGIN", logger: logger)
                try await closer.query(
                    "UPDATE session.interactions SET state = 'closed', closed_at = now(), close_reason = 'done' WHERE id = \(session)",
                    logger: logger)
                let batch = Task {
                    try await client.withTransaction(logger: logger) { try await commands.placeInboundBatch([(late, nil)], on: $0) }
                }
                // The batch waits for the session's row lock, held by this connection.
                try await TestEnvironment.waitUntilAsync("the batch waits for the session's lock", timeout: .seconds(10)) {
                    let waiting = try? await client.query(
                        "SELECT count(*)::int FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> ARRAY[\(closerPID)]", logger: logger
                    ).collect().first?.decode(Int.self)
                    return (waiting ?? 0) > 0
                }
                try await closer.query("COMMIT", logger: logger)
                try await batch.value
            }
            let placed = try await placed(from: [customer], client)
            #expect(placed[session]?.messages == [first.messageId])
            #expect(placed.count == 2)
            #expect(placed.values.contains { $0.messages == [late.messageId] && $0.mode == "session" })
        }
    }
}
