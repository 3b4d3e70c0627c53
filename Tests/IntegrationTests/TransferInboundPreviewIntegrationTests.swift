import Foundation
import Logging
import PostgresNIO
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Transfer

/// An inbound message appended to an interaction (`interaction.message.appended`) in
/// transfer: its text becomes the offers' preview, a pending offer is shown again with it,
/// and the owner, the offered and the consulted agents are shown the entry — in a batch
/// (under the prologue's routing lock, ``BatchPrologue``) and one by one (the lock taken by
/// the effect), with one statement for a batch's run of previews and their audiences
/// (``InboundPreviewsStatement``).
@Suite("Transfer: inbound messages' previews and desk events (real PostgreSQL)", .serialized)
struct TransferInboundPreviewIntegrationTests {
    /// Three interactions: offered to one agent, owned by another and open in a
    /// consultation with a third, and closed (its old owner sees nothing).
    struct Scene {
        let offered = UUID(), owned = UUID(), closed = UUID()
        let offeredAgent = TestEnvironment.unique("offered"), owner = TestEnvironment.unique("owner")
        let consulted = TestEnvironment.unique("consulted"), formerOwner = TestEnvironment.unique("former")

        func insert(_ client: PostgresClient) async throws {
            let queue = TestEnvironment.unique("preview-queue")
            try await client.query(
                """
                INSERT INTO transfer.interactions (id, queue, state, owner_id, created_at, updated_at) VALUES
                    (\(offered), \(queue), 'offered', NULL, now(), now()),
                    (\(owned), \(queue), 'active', \(owner), now(), now()),
                    (\(closed), \(queue), 'closed', \(formerOwner), now(), now())
                """, logger: TestEnvironment.logger)
            try await client.query(
                """
                INSERT INTO transfer.offers (id, interaction_id, agent_id, kind, state, expires_at, created_at)
                VALUES (\(UUID()), \(offered), \(offeredAgent), 'route', 'pending', now() + interval '5 minutes', now())
                """, logger: TestEnvironment.logger)
            try await client.query(
                """
                INSERT INTO transfer.consultations (id, interaction_id, from_agent_id, agent_id, open)
                VALUES (\(UUID()), \(owned), \(owner), \(consulted), true)
                """, logger: TestEnvironment.logger)
        }

        var agents: [String] { [offeredAgent, owner, consulted, formerOwner] }
    }

    func handler(_ client: PostgresClient) async throws -> TransferEventHandler {
        let logger = TestEnvironment.logger
        try await MigrationRunner(schema: "transfer", migrations: Migration.messagingMigrations(schema: "transfer") + TransferMigrations.all)
            .run(on: client, logger: logger)
        let commands = TransferCommands(
            store: PostgresTransferStore(schema: "transfer"), outbox: Outbox(schema: "transfer"),
            participants: InteractionParticipants(schema: "transfer"), offerTimeout: 30, logger: logger)
        let transactions = TransactionalHandler(
            client: client, inbox: Inbox(schema: "transfer"), outbox: Outbox(schema: "transfer"), consumer: "transfer.events",
            logger: logger)
        return TransferEventHandler(commands: commands, transactions: transactions)
    }

    /// An `interaction.message.appended` event of an inbound message, as session sends it.
    static func appended(_ interaction: UUID, text: String) -> String {
        let id = interaction.uuidString.lowercased()
        let entry = #"{"direction":"inbound","kind":"message","text":"\#(text)","at":"2026-12-06T10:00:00Z"}"#
        return #"""
            {"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","type":"interaction.message.appended","source":"session",\#
            "time":"2026-12-06T10:00:00Z","datacontenttype":"application/json",\#
            "data":{"interaction_id":"\#(id)","direction":"inbound","kind":"message","entry":\#(entry)}}
            """#
    }

    /// `interaction.consultation.started` of `interaction`, from `owner` to `agent`.
    static func consultationStarted(_ interaction: UUID, from owner: String, to agent: String) -> String {
        let id = interaction.uuidString.lowercased()
        return #"""
            {"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","type":"interaction.consultation.started",\#
            "source":"session","time":"2026-12-06T10:00:00Z","datacontenttype":"application/json",\#
            "data":{"interaction_id":"\#(id)","consultation":{"id":"\#(UUID().uuidString.lowercased())",\#
            "interaction_id":"\#(id)","from_agent":{"id":"\#(owner)"},"agent":{"id":"\#(agent)"},"state":"open"}}}
            """#
    }

    /// Real deliveries of `bodies` (routing key `key`), through a private queue.
    static func deliveries(_ bodies: [String], key: String = EventType.interactionMessageAppended.rawValue) async throws -> [AMQPDelivery] {
        try await deliveries(bodies.map { (key, $0) })
    }

    /// Real deliveries of `events` (routing key and body each), in order, through a private queue.
    static func deliveries(_ events: [(key: String, body: String)]) async throws -> [AMQPDelivery] {
        let queue = TestEnvironment.unique("preview")
        let exchange = TestEnvironment.unique("preview-exchange")
        let topology = AMQPTopology(
            exchanges: [.init(name: exchange, kind: .direct)],
            queues: [.init(name: queue, arguments: ["x-queue-type": .string("quorum"), "x-expires": .int(60_000)])],
            bindings: Set(events.map(\.key)).sorted().map { .init(queue: queue, exchange: exchange, routingKey: $0) })
        return try await TestEnvironment.withConnection(topology: topology) { connection in
            let outcomes = await connection.publish(
                batch: events.map { AMQPMessage.test(exchange: exchange, routingKey: $0.key, text: $0.body, id: UUID().uuidString) })
            #expect(outcomes.allSatisfy { $0 == nil })
            var iterator = connection.consume(queue: queue, prefetch: 10).makeAsyncIterator()
            var deliveries: [AMQPDelivery] = []
            for _ in events { deliveries.append(try #require(await TestEnvironment.next(&iterator, timeout: .seconds(5)))) }
            connection.ack(all: deliveries)
            return deliveries
        }
    }

    /// Each agent's desk events as `kind:text` (an offer's preview text, a transcript
    /// entry's text), in order.
    func deskEvents(of agents: [String], _ client: PostgresClient) async throws -> [String: [String]] {
        let rows = try await client.query(
            """
            SELECT agent_id, kind, COALESCE(data #>> '{preview,text}', data #>> '{entry,text}', '') FROM transfer.desk_events
            WHERE agent_id = ANY(\(agents)) ORDER BY agent_id, seq
            """, logger: TestEnvironment.logger)
        var events: [String: [String]] = [:]
        for try await (agent, kind, text) in rows.decode((String, String, String).self) { events[agent, default: []].append("\(kind):\(text)") }
        return events
    }

    func previews(_ scene: Scene, _ client: PostgresClient) async throws -> [String?] {
        var texts: [String?] = []
        for id in [scene.offered, scene.owned, scene.closed] {
            let rows = try await client.query("SELECT preview_text FROM transfer.interactions WHERE id = \(id)", logger: TestEnvironment.logger)
            for try await text in rows.decode(String?.self) { texts.append(text) }
        }
        return texts
    }

    func check(_ scene: Scene, _ client: PostgresClient) async throws {
        #expect(try await previews(scene, client) == ["Is it ready?", "Thanks", nil])
        let events = try await deskEvents(of: scene.agents, client)
        #expect(events[scene.offeredAgent] == ["offer:Is it ready?", "transcript:Is it ready?"])
        #expect(events[scene.owner] == ["transcript:Thanks"])
        #expect(events[scene.consulted] == ["transcript:Thanks"])
        #expect(events[scene.formerOwner] == nil)
    }

    /// Sets up the scene, hands its three inbound messages to `handle` and checks the
    /// previews and desk events.
    func run(_ handle: @Sendable (TransferEventHandler, [AMQPDelivery]) async -> [AMQPHandlingResult]) async throws {
        try await TestEnvironment.withPostgres { client in
            let handler = try await handler(client)
            let scene = Scene()
            try await scene.insert(client)
            let deliveries = try await Self.deliveries([
                Self.appended(scene.offered, text: "Is it ready?"), Self.appended(scene.owned, text: "Thanks"),
                Self.appended(scene.closed, text: "Hello?"),
            ])
            #expect(await handle(handler, deliveries) == [.ack, .ack, .ack])
            try await check(scene, client)
        }
    }

    @Test func aBatchChangesPreviewsAndShowsEachEntryToWhoFollowsIt() async throws {
        try await run { handler, deliveries in await handler.handle(batch: deliveries) }
    }

    @Test func oneByOneTheSameHappens() async throws {
        try await run { handler, deliveries in
            var results: [AMQPHandlingResult] = []
            for delivery in deliveries { results.append(await handler.handle(delivery)) }
            return results
        }
    }

    /// Two messages of one interaction in a batch's run: the preview is the later one's, the
    /// offered agent is shown the offer once, with it, before that message's entry, and
    /// both entries in order.
    @Test func aRunWithTwoMessagesOfOneInteractionPreviewsTheLater() async throws {
        try await TestEnvironment.withPostgres { client in
            let handler = try await handler(client)
            let scene = Scene()
            try await scene.insert(client)
            let deliveries = try await Self.deliveries([
                Self.appended(scene.offered, text: "Hello"), Self.appended(scene.owned, text: "Thanks"),
                Self.appended(scene.offered, text: "Is it ready?"),
            ])
            #expect(await handler.handle(batch: deliveries) == [.ack, .ack, .ack])
            #expect(try await previews(scene, client) == ["Is it ready?", "Thanks", nil])
            let events = try await deskEvents(of: scene.agents, client)
            #expect(events[scene.offeredAgent] == ["transcript:Hello", "offer:Is it ready?", "transcript:Is it ready?"])
            #expect(events[scene.owner] == ["transcript:Thanks"])
        }
    }

    /// An effect between two inbound messages of a batch ends the run: a consultation
    /// started between them makes the consulted agent see the later message, not the
    /// earlier one, as handled one by one.
    @Test func aConsultationBetweenTwoMessagesOfABatchSeesOnlyTheLater() async throws {
        try await TestEnvironment.withPostgres { client in
            let handler = try await handler(client)
            let scene = Scene()
            try await scene.insert(client)
            let newcomer = TestEnvironment.unique("newcomer")
            let appended = EventType.interactionMessageAppended.rawValue
            let deliveries = try await Self.deliveries([
                (appended, Self.appended(scene.owned, text: "First")),
                ("interaction.consultation.started", Self.consultationStarted(scene.owned, from: scene.owner, to: newcomer)),
                (appended, Self.appended(scene.owned, text: "Second")),
            ])
            #expect(await handler.handle(batch: deliveries) == [.ack, .ack, .ack])
            let events = try await deskEvents(of: [newcomer, scene.owner], client)
            #expect(events[newcomer] == ["consultation:", "transcript:Second"])
            #expect(events[scene.owner] == ["transcript:First", "consultation:", "transcript:Second"])
        }
    }

    /// An appended event without an entry (from a session older than the stream) is acked
    /// with nothing to do, in a batch between two messages or on its own.
    @Test func anEventWithoutAnEntryIsAckedWithNothingToDo() async throws {
        try await TestEnvironment.withPostgres { client in
            let handler = try await handler(client)
            let scene = Scene()
            try await scene.insert(client)
            let id = scene.owned.uuidString.lowercased()
            let old = #"""
                {"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","type":"interaction.message.appended","source":"session",\#
                "time":"2026-12-06T10:00:00Z","datacontenttype":"application/json",\#
                "data":{"interaction_id":"\#(id)","direction":"inbound","kind":"message"}}
                """#
            let deliveries = try await Self.deliveries([
                Self.appended(scene.owned, text: "First"), old, Self.appended(scene.owned, text: "Second"), old,
            ])
            #expect(await handler.handle(batch: Array(deliveries.prefix(3))) == [.ack, .ack, .ack])
            #expect(await handler.handle(deliveries[3]) == .ack)
            let events = try await deskEvents(of: [scene.owner], client)
            #expect(events[scene.owner] == ["transcript:First", "transcript:Second"])
        }
    }

    /// A consultation's change handled on its own waits for the routing lock, under which an
    /// inbound message's audience is read (a batch holds it from its prologue): without it, a
    /// consultation that committed while that audience was read was missed, and the
    /// consulted agent was not shown the customer's message.
    @Test func aConsultationOnItsOwnWaitsForTheRoutingLock() async throws {
        try await TestEnvironment.withPostgres { client in
            let handler = try await handler(client)
            let scene = Scene()
            try await scene.insert(client)
            let newcomer = TestEnvironment.unique("newcomer")
            let started = try await Self.deliveries(
                [Self.consultationStarted(scene.owned, from: scene.owner, to: newcomer)], key: "interaction.consultation.started")
            let finished = Flag()
            let task = try await client.withTransaction(logger: TestEnvironment.logger) { holder in
                try await handler.commands.store.lockRouting(on: holder, logger: TestEnvironment.logger)
                let task = Task {
                    let result = await handler.handle(started[0])
                    await finished.set()
                    return result
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(await !finished.value, "the consultation was recorded while another transaction held the routing lock")
                return task
            }
            #expect(await task.value == .ack)
            let open = try await client.query(
                "SELECT count(*)::int FROM transfer.consultations WHERE interaction_id = \(scene.owned) AND agent_id = \(newcomer) AND open",
                logger: TestEnvironment.logger)
            for try await count in open.decode(Int.self) { #expect(count == 1) }
            // From now on the newcomer follows the interaction: the next message reaches them.
            let message = try await Self.deliveries([Self.appended(scene.owned, text: "Still there?")])
            #expect(await handler.handle(message[0]) == .ack)
            let events = try await deskEvents(of: [newcomer], client)
            #expect(events[newcomer]?.last == "transcript:Still there?")
        }
    }

    actor Flag {
        private(set) var value = false
        func set() { value = true }
    }
}
