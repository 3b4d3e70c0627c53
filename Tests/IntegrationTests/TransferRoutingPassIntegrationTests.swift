import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Transfer

/// A routing pass (``TransferCommands/route(queues:agents:now:traceparent:on:)``) runs under
/// the routing lock that every routing decision of every replica waits for, so what it costs
/// is what they all wait. Its statements and the rows it locks must not grow with the
/// interactions and callbacks nobody can take (PostgreSQL still scans past those, within
/// one statement): in the cluster drill, a backlog of interactions every agent had declined (offers
/// left to expire) made each pass read their declines one statement each, a pass held the
/// lock for 6–10 s on the loaded machine, and the transfer replicas' consumers stalled
/// behind it (docs/decisions.md). The transaction's own table counters
/// (`pg_stat_xact_user_tables`) say how often the pass read each table.
@Suite("Transfer: a routing pass's reads (real PostgreSQL)", .serialized)
struct TransferRoutingPassIntegrationTests {
    let logger = TestEnvironment.logger

    func commands(_ client: PostgresClient) async throws -> TransferCommands {
        try await MigrationRunner(schema: "transfer", migrations: Migration.messagingMigrations(schema: "transfer") + TransferMigrations.all)
            .run(on: client, logger: logger)
        return TransferCommands(
            store: PostgresTransferStore(schema: "transfer"), outbox: Outbox(schema: "transfer"),
            participants: InteractionParticipants(schema: "transfer"), offerTimeout: 30, logger: logger)
    }

    /// A Ready agent of `queue` with room for `capacity`.
    func insertAgent(_ id: String, queue: String, capacity: Int, _ client: PostgresClient) async throws {
        try await client.query(
            """
            INSERT INTO transfer.agents (id, name, queues, sms_capacity, sms_presence, ready_since, created_at, updated_at)
            VALUES (\(id), \(id), \([queue]), \(capacity), 'ready', now() - interval '1 hour', now(), now())
            """, logger: logger)
    }

    /// `count` interactions queued in `queue`, oldest first from `minutesAgo`, each declined by `agent` if given.
    func insertQueued(_ count: Int, queue: String, minutesAgo: Int, declinedBy agent: String?, _ client: PostgresClient) async throws -> [UUID] {
        var ids: [UUID] = []
        for index in 0..<count {
            let id = UUID()
            let queuedAt = Date().addingTimeInterval(TimeInterval(-60 * minutesAgo + index))
            try await client.query(
                """
                INSERT INTO transfer.interactions (id, queue, state, queued_at, created_at, updated_at)
                VALUES (\(id), \(queue), 'queued', \(queuedAt), \(queuedAt), \(queuedAt))
                """, logger: logger)
            if let agent {
                try await client.query(
                    "INSERT INTO transfer.declines (interaction_id, agent_id, reason, at) VALUES (\(id), \(agent), 'expired', now())",
                    logger: logger)
            }
            ids.append(id)
        }
        return ids
    }

    /// How often this transaction has read `table` so far, sequentially or by index.
    func reads(of table: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT (seq_scan + coalesce(idx_scan, 0))::int8 FROM pg_stat_xact_user_tables
            WHERE schemaname = 'transfer' AND relname = \(table)
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// The interactions queued in `queue` that nobody holds locked, seen from another connection.
    func unlockedQueued(in queue: String, _ client: PostgresClient) async throws -> Set<UUID> {
        try await client.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id FROM transfer.interactions WHERE queue = \(queue) AND state = 'queued' FOR UPDATE SKIP LOCKED", logger: logger)
            var ids = Set<UUID>()
            for try await id in rows.decode(UUID.self) { ids.insert(id) }
            return ids
        }
    }

    func offers(of interactions: [UUID], _ client: PostgresClient) async throws -> [UUID: String] {
        let rows = try await client.query(
            "SELECT interaction_id, agent_id FROM transfer.offers WHERE interaction_id = ANY(\(interactions)) AND state = 'pending'",
            logger: logger)
        var offers: [UUID: String] = [:]
        for try await (interaction, agent) in rows.decode((UUID, String).self) { offers[interaction] = agent }
        return offers
    }

    /// Routes `queue` in a transaction of its own under the routing lock; `during` runs
    /// before that transaction commits, while it holds what it locked.
    func routePass(
        _ commands: TransferCommands, queue: String, _ client: PostgresClient, during: @escaping @Sendable () async throws -> Set<UUID>
    ) async throws -> (offered: Int, unlocked: Set<UUID>) {
        try await client.withTransaction(logger: logger) { connection in
            try await commands.store.lockRouting(on: connection, logger: logger)
            let messages = try await commands.route(queues: [queue], now: Date(), traceparent: nil, on: connection)
            return (messages.count, try await during())
        }
    }

    /// Thirty waiting interactions the only agent declined, then one it did not: the pass
    /// offers the last, and does not lock the thirty (another transaction can still lock
    /// every one of them meanwhile).
    @Test func aPassLeavesAloneWhatEveryAgentWithRoomDeclined() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("routing-pass")
            let agent = TestEnvironment.unique("routing-agent")
            try await insertAgent(agent, queue: queue, capacity: 1, client)
            let declined = try await insertQueued(30, queue: queue, minutesAgo: 30, declinedBy: agent, client)
            let fresh = try await insertQueued(1, queue: queue, minutesAgo: 1, declinedBy: nil, client)

            let pass = try await routePass(commands, queue: queue, client) { try await unlockedQueued(in: queue, client) }
            #expect(pass.offered == 1, "one offer.created")
            #expect(pass.unlocked == Set(declined), "the declined interactions were not locked (\(30 - pass.unlocked.count) were)")
            let offered = try await offers(of: declined + fresh, client)
            #expect(offered == [fresh[0]: agent], "only the interaction the agent had not declined is offered to it")
        }
    }

    /// Five waiting interactions and room for one: the pass locks the oldest, which it
    /// offers, and not the four it cannot offer.
    @Test func aPassLocksOnlyAsManyAsThereIsRoomFor() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("routing-room")
            let agent = TestEnvironment.unique("routing-room-agent")
            try await insertAgent(agent, queue: queue, capacity: 1, client)
            let waiting = try await insertQueued(5, queue: queue, minutesAgo: 10, declinedBy: nil, client)

            let pass = try await routePass(commands, queue: queue, client) { try await unlockedQueued(in: queue, client) }
            #expect(pass.offered == 1, "one offer.created")
            #expect(pass.unlocked == Set(waiting.dropFirst()), "only the offered interaction was locked")
            #expect(try await offers(of: waiting, client) == [waiting[0]: agent], "the oldest is offered")
        }
    }

    /// Room for three among two agents, one of whom declined the two oldest: the pages go on
    /// past them until the room is used, each interaction to an agent who has not declined it.
    @Test func aPassFillsTheRoomOfEveryAgentAcrossPages() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("routing-pages")
            let (ann, bob) = (TestEnvironment.unique("routing-ann"), TestEnvironment.unique("routing-bob"))
            try await insertAgent(ann, queue: queue, capacity: 1, client)
            try await insertAgent(bob, queue: queue, capacity: 2, client)
            // The two oldest were declined by Bob; Ann has room for one of them only.
            let declinedByBob = try await insertQueued(2, queue: queue, minutesAgo: 20, declinedBy: bob, client)
            let later = try await insertQueued(3, queue: queue, minutesAgo: 10, declinedBy: nil, client)

            let pass = try await routePass(commands, queue: queue, client) { [] }
            #expect(pass.offered == 3, "the room of both agents used")
            let offered = try await offers(of: declinedByBob + later, client)
            #expect(offered[declinedByBob[0]] == ann, "the oldest to Ann, who had not declined it")
            #expect(offered[declinedByBob[1]] == nil, "the second declined one waits: Ann is full, Bob declined it")
            #expect(offered[later[0]] == bob && offered[later[1]] == bob, "the next two to Bob")
            #expect(offered[later[2]] == nil, "no room left")
        }
    }

    /// `count` callbacks due for `queue`, waiting, oldest first.
    func insertWaitingCallbacks(_ count: Int, queue: String, _ commands: TransferCommands, _ client: PostgresClient) async throws -> [UUID] {
        try await insertWaitingCallbacks(count, target: .init(type: "queue", id: queue), commands, client)
    }

    /// `count` callbacks due for `target` (a queue or an agent), waiting, oldest first.
    func insertWaitingCallbacks(
        _ count: Int, target: CallbackSummary.Target, _ commands: TransferCommands, _ client: PostgresClient
    ) async throws -> [UUID] {
        var callbacks: [UUID] = []
        for index in 0..<count {
            let id = UUID()
            let firedAt = Date().addingTimeInterval(TimeInterval(-60 + index))
            let summary = CallbackSummary(
                id: id.uuidString.lowercased(), phone: "+15550100\(index)", contactId: nil, interactionId: nil, notes: "call back",
                dueAt: firedAt, target: target, scheduledBy: "supervisor", scheduledByName: nil)
            let record = DueCallbackRecord(
                id: id, summary: summary, state: .waiting, declined: [], acceptedBy: nil, firedAt: firedAt, updatedAt: firedAt)
            try await client.withConnection { try await commands.store.insertCallback(record, on: $0, logger: logger) }
            callbacks.append(id)
        }
        return callbacks
    }

    /// An arrival while every agent of its queue is busy (the common case under load): the
    /// pass does not read the waiting callbacks, which nobody could take; the callback keeps
    /// waiting. (Agents whose capacity was freed make a pass read them whatever the room.)
    @Test func aPassWithEveryAgentBusyReadsNoCallbacks() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("routing-busy")
            let agent = TestEnvironment.unique("routing-busy-agent")
            try await insertAgent(agent, queue: queue, capacity: 0, client)
            let callbacks = try await insertWaitingCallbacks(1, queue: queue, commands, client)
            _ = try await insertQueued(1, queue: queue, minutesAgo: 1, declinedBy: nil, client)

            let (offered, callbackReads) = try await client.withTransaction(logger: logger) { connection in
                try await commands.store.lockRouting(on: connection, logger: logger)
                let before = try await reads(of: "callbacks", on: connection)
                let messages = try await commands.route(queues: [queue], now: Date(), traceparent: nil, on: connection)
                return (messages.count, try await reads(of: "callbacks", on: connection) - before)
            }
            #expect(offered == 0, "nobody has room")
            #expect(callbackReads == 0, "the waiting callbacks were not read (\(callbackReads) reads)")
            let rows = try await client.query("SELECT state FROM transfer.callbacks WHERE id = \(callbacks[0])", logger: logger)
            for try await state in rows.decode(String.self) { #expect(state == "waiting") }
        }
    }

    /// Two callbacks due for one queue whose only agent has room for one: the pass reads the
    /// queue's agents once, offers the first, and counts that offer against the agent's
    /// capacity for the second (which keeps waiting).
    @Test func callbacksOfOneTargetShareTheirCandidatesAndTheirCapacity() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("callback-pass")
            let agent = TestEnvironment.unique("callback-agent")
            try await insertAgent(agent, queue: queue, capacity: 1, client)
            let callbacks = try await insertWaitingCallbacks(2, queue: queue, commands, client)

            let (messages, agentReads) = try await client.withTransaction(logger: logger) { connection in
                try await commands.store.lockRouting(on: connection, logger: logger)
                let before = try await reads(of: "agents", on: connection)
                let messages = try await commands.routeCallbacks(queues: [queue], agents: [], now: Date(), traceparent: nil, on: connection)
                return (messages, try await reads(of: "agents", on: connection) - before)
            }
            #expect(messages.count == 1, "one offer.created: the agent has room for one")
            #expect(agentReads == 1, "the queue's agents read once for both callbacks (\(agentReads) reads)")
            let rows = try await client.query(
                "SELECT id, state FROM transfer.callbacks WHERE id = ANY(\(callbacks)) ORDER BY fired_at", logger: logger)
            var states: [String] = []
            for try await (_, state) in rows.decode((UUID, String).self) { states.append(state) }
            #expect(states == ["offered", "waiting"], "the older callback offered, the other still waiting")
        }
    }

    /// An agent who belongs to no queue releases an interaction to a queue that nobody can
    /// take it from: the capacity it frees is the releasing agent's, and a callback waiting for
    /// that agent is offered in the same transaction. (The pass has no candidate with room in
    /// its queues, so only naming the agent whose capacity was freed makes it read callbacks.)
    @Test func aReleaseToAQueueOffersTheReleasingAgentItsWaitingCallback() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let queue = TestEnvironment.unique("release-queue")
            let agent = TestEnvironment.unique("release-agent")
            let interaction = UUID()
            try await client.query(
                """
                INSERT INTO transfer.queues (id, name, created_at, updated_at) VALUES (\(queue), \(queue), now(), now())
                """, logger: logger)
            try await client.query(
                """
                INSERT INTO transfer.agents (id, name, queues, sms_capacity, sms_load, sms_presence, ready_since, created_at, updated_at)
                VALUES (\(agent), \(agent), \([String]()), 1, 1, 'ready', now() - interval '1 hour', now(), now())
                """, logger: logger)
            try await client.query(
                """
                INSERT INTO transfer.interactions (id, queue, state, owner_id, owner_name, created_at, updated_at)
                VALUES (\(interaction), \(queue), 'active', \(agent), \(agent), now(), now())
                """, logger: logger)
            let callback = try await insertWaitingCallbacks(1, target: .init(type: "agent", id: agent), commands, client)[0]

            let transfer = try await client.withTransaction(logger: logger) { connection in
                try await commands.requestTransfer(
                    interactionID: interaction, target: TransferTarget(type: .queue, id: queue), note: nil,
                    by: Identity(agentID: agent, name: agent, roles: [.agent], permissions: []), traceparent: nil, on: connection)
            }
            #expect(transfer.state == .completed, "released to the queue")
            let rows = try await client.query("SELECT state FROM transfer.callbacks WHERE id = \(callback)", logger: logger)
            var states: [String] = []
            for try await state in rows.decode(String.self) { states.append(state) }
            #expect(states == ["offered"], "the callback offered to the agent whose capacity the release freed")
            // Gone again: a waiting agent's callback left in the shared schema would be read
            // (its target's queues looked up) by every later pass, and change their counts.
            try await client.query("DELETE FROM transfer.offers WHERE callback_id = \(callback)", logger: logger)
            try await client.query("DELETE FROM transfer.callbacks WHERE id = \(callback)", logger: logger)
        }
    }

    /// Several transfer replicas may apply a callback's events out of order: the new firing
    /// of a callback rescheduled a few seconds ahead (`callback.due`) before the
    /// `callback.rescheduled` that ended the old one. That older event must leave the new
    /// firing alone, and so must a late change, `callback.due` or reschedule of an earlier
    /// firing; a reschedule to a later time still ends the firing held.
    @Test func aRescheduleOlderThanTheFiringHeldLeavesIt() async throws {
        try await TestEnvironment.withPostgres { client in
            let commands = try await commands(client)
            let target = CallbackSummary.Target(type: "agent", id: TestEnvironment.unique("nobody"))
            let id = try await insertWaitingCallbacks(1, target: target, commands, client)[0]
            let held = try #require(try await client.withConnection { try await commands.store.lockCallback(id, on: $0, logger: logger) })
            func rescheduled(dueAt: Date, state: String = "scheduled", to newTarget: CallbackSummary.Target? = nil) -> CallbackEventPayload {
                CallbackEventPayload(
                    id: held.summary.id, phone: held.summary.phone, contactId: nil, interactionId: nil, dueAt: dueAt,
                    target: newTarget ?? target, channel: "sms", notes: held.summary.notes, state: state, scheduledBy: "supervisor",
                    scheduledByName: nil)
            }
            func stillHeld() async throws -> Bool {
                try await client.withConnection { try await commands.store.lockCallback(id, on: $0, logger: logger) } != nil
            }

            try await client.withTransaction(logger: logger) { connection in
                try await commands.callbackChanged(rescheduled(dueAt: held.summary.dueAt), id: id, traceparent: nil, on: connection)
            }
            #expect(try await stillHeld(), "the firing of this very due time stays")

            // A re-target of an earlier firing (an earlier due time), applied late: ignored.
            let elsewhere = CallbackSummary.Target(type: "agent", id: TestEnvironment.unique("elsewhere"))
            try await client.withTransaction(logger: logger) { connection in
                try await commands.callbackChanged(
                    rescheduled(dueAt: held.summary.dueAt.addingTimeInterval(-3600), state: "due", to: elsewhere), id: id, traceparent: nil,
                    on: connection)
            }
            let after = try #require(try await client.withConnection { try await commands.store.lockCallback(id, on: $0, logger: logger) })
            #expect(after.summary.target == target, "still the firing held, for its target")

            // A late callback.due of an earlier firing, and a reschedule that ended one: both ignored.
            let earlier = held.summary.dueAt.addingTimeInterval(-3600)
            try await client.withTransaction(logger: logger) { connection in
                try await commands.callbackDue(rescheduled(dueAt: earlier, state: "due", to: elsewhere), id: id, traceparent: nil, on: connection)
                try await commands.callbackChanged(rescheduled(dueAt: earlier), id: id, traceparent: nil, on: connection)
            }
            let still = try #require(try await client.withConnection { try await commands.store.lockCallback(id, on: $0, logger: logger) })
            #expect(still.summary.target == target && still.summary.dueAt == held.summary.dueAt, "the firing held, unchanged")

            try await client.withTransaction(logger: logger) { connection in
                try await commands.callbackChanged(
                    rescheduled(dueAt: held.summary.dueAt.addingTimeInterval(3600)), id: id, traceparent: nil, on: connection)
            }
            #expect(try await !stillHeld(), "a reschedule to another time ends the firing")
        }
    }
}
