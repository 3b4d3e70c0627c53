import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import Testing

@testable import Transfer

/// The supervisor views (`GET /v1/agents`, `GET /v1/queues`; docs/architecture.md section
/// 10.3) against the real PostgreSQL: the counts come from the same rows routing writes
/// (agents, the interaction projection, offers), so the test writes those rows with the
/// store's own methods and reads them back through the views.
///
/// The test database is shared with earlier runs: everything here has ids under a prefix
/// of its own (`sv-<random>-`), the queue list is read from a cursor just before that
/// prefix, and the rows are deleted at the end.
@Suite("Transfer: supervisor views of agents and queues (real PostgreSQL)", .serialized)
struct TransferSupervisionIntegrationTests {
    let logger = TestEnvironment.logger
    let store = PostgresTransferStore(schema: "transfer")

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "transfer", migrations: Migration.messagingMigrations(schema: "transfer") + TransferMigrations.all)
            .run(on: client, logger: logger)
    }

    /// What the test wrote, by prefix.
    func cleanUp(_ prefix: String, _ client: PostgresClient) async throws {
        let pattern = "\(prefix)%"
        try await client.query(
            """
            DELETE FROM transfer.offers WHERE agent_id LIKE \(pattern)
            """, logger: logger)
        try await client.query("DELETE FROM transfer.interactions WHERE queue LIKE \(pattern)", logger: logger)
        try await client.query("DELETE FROM transfer.agents WHERE id LIKE \(pattern)", logger: logger)
        try await client.query("DELETE FROM transfer.queues WHERE id LIKE \(pattern)", logger: logger)
    }

    func interaction(_ queue: String, _ state: ProjectionState, queuedAt: Date?, owner: String? = nil) -> InteractionProjection {
        InteractionProjection(
            id: UUID(), queue: queue, state: state, ownerID: owner, ownerName: owner, assigningTo: nil, transferID: nil,
            fromNumber: "+14155550100", origin: "Inbound SMS Session Mode", mode: "session", media: "sms", previewText: nil, caseData: [:],
            queuedAt: queuedAt, createdAt: queuedAt ?? Date(), updatedAt: Date(), closedAt: state == .closed ? Date() : nil
        )
    }

    func offer(_ interaction: UUID, to agent: String, kind: OfferKind = .route, expiresAt: Date) -> OfferRecord {
        OfferRecord(
            id: UUID(), interactionID: interaction, agentID: agent, kind: kind, state: .pending, expiresAt: expiresAt, fromAgentID: nil,
            fromAgentName: nil, transferID: nil, createdAt: Date(), decidedAt: nil)
    }

    /// Queue `<prefix>q`: three waiting (the oldest queued two minutes ago), one offered to
    /// `<prefix>kate`, one assigning, one closed; `kate` (Ready, capacity 3) owns one there and
    /// has a transfer offer that expired but is not swept yet; `lee` (Not Ready) is a member;
    /// `max` is not. Queue `<prefix>r` is only registered.
    func seed(_ prefix: String, _ client: PostgresClient) async throws {
        let (store, logger) = (store, logger)
        let queue = "\(prefix)q"
        let now = Date()
        try await client.withTransaction(logger: logger) { connection in
            _ = try await store.upsertAgent(
                id: "\(prefix)kate", name: "Kate Lewis", queues: [queue], capacity: 3, at: now, on: connection, logger: logger)
            _ = try await store.setPresence("\(prefix)kate", ready: true, at: now, on: connection, logger: logger)
            _ = try await store.upsertAgent(
                id: "\(prefix)lee", name: "Lee Other", queues: ["\(prefix)other", queue], capacity: 2, at: now, on: connection, logger: logger)
            _ = try await store.upsertAgent(
                id: "\(prefix)max", name: "Max Elsewhere", queues: ["\(prefix)other"], capacity: 5, at: now, on: connection, logger: logger)
            try await store.upsertQueue(QueueRecord(id: "\(prefix)r", name: "Registered only"), at: now, on: connection, logger: logger)

            for age in [120.0, 30, 5] {
                try await store.insertInteraction(
                    interaction(queue, .queued, queuedAt: now.addingTimeInterval(-age)), on: connection, logger: logger)
            }
            let offered = interaction(queue, .offered, queuedAt: now.addingTimeInterval(-600))
            try await store.insertInteraction(offered, on: connection, logger: logger)
            try await store.insertOffer(
                offer(offered.id, to: "\(prefix)kate", expiresAt: now.addingTimeInterval(30)), on: connection, logger: logger)
            var assigning = interaction(queue, .assigning, queuedAt: now.addingTimeInterval(-900))
            assigning.assigningTo = "\(prefix)lee"
            try await store.insertInteraction(assigning, on: connection, logger: logger)
            try await store.insertInteraction(
                interaction(queue, .closed, queuedAt: now.addingTimeInterval(-3600)), on: connection, logger: logger)

            let owned = interaction(queue, .active, queuedAt: now.addingTimeInterval(-60), owner: "\(prefix)kate")
            try await store.insertInteraction(owned, on: connection, logger: logger)
            let elsewhere = interaction("\(prefix)other", .active, queuedAt: now.addingTimeInterval(-60), owner: "\(prefix)max")
            try await store.insertInteraction(elsewhere, on: connection, logger: logger)
            try await store.insertOffer(
                offer(elsewhere.id, to: "\(prefix)kate", kind: .transfer, expiresAt: now.addingTimeInterval(-1)), on: connection, logger: logger)
            try await store.refreshLoad(["\(prefix)kate", "\(prefix)max"], on: connection, logger: logger)
        }
    }

    static func prefix() -> String { "sv-\(UUID().uuidString.prefix(8).lowercased())-" }

    @Test func agentsOfAQueueShowPresenceLoadOffersAndSpareCapacity() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let prefix = Self.prefix()
            try await seed(prefix, client)
            let page = try await store.agentStatuses(queue: "\(prefix)q", page: DirectoryPageRequest(), client: client, logger: logger)
            #expect(page.next == nil)
            #expect(page.items.map(\.id) == ["\(prefix)kate", "\(prefix)lee"], "members only, in id order")

            let kate = try #require(page.items.first)
            #expect(kate.name == "Kate Lewis" && kate.queues == ["\(prefix)q"])
            #expect(kate.presence == ["sms": "ready"] && kate.capacity == ["sms": 3])
            #expect(kate.load == ["sms": 1], "the active interaction it owns")
            #expect(kate.offersPending == 1, "the expired transfer offer is not counted: its desk no longer lists it")
            #expect(kate.spareCapacity == ["sms": 0], "3 - (1 owned + 2 pending offers, the unswept one included, as routing counts)")

            let lee = try #require(page.items.last)
            #expect(lee.presence == ["sms": "not_ready"] && lee.load == ["sms": 0] && lee.offersPending == 0)
            #expect(lee.spareCapacity == ["sms": 1], "2 - the accepted offer whose assignment is on its way")

            let everyone = try await store.agentStatuses(queue: nil, page: DirectoryPageRequest(after: prefix), client: client, logger: logger)
            #expect(everyone.items.prefix(3).map(\.id) == ["\(prefix)kate", "\(prefix)lee", "\(prefix)max"])
            try await cleanUp(prefix, client)
        }
    }

    @Test func agentPagesFollowTheCursorToTheEnd() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let prefix = Self.prefix()
            try await seed(prefix, client)
            let first = try await store.agentStatuses(
                queue: "\(prefix)other", page: DirectoryPageRequest(limit: 1), client: client, logger: logger)
            #expect(first.items.map(\.id) == ["\(prefix)lee"])
            let cursor = try #require(first.next.flatMap(DirectoryCursor.init(encoded:)))
            #expect(cursor.id == "\(prefix)lee")
            let second = try await store.agentStatuses(
                queue: "\(prefix)other", page: DirectoryPageRequest(after: cursor.id, limit: 1), client: client, logger: logger)
            #expect(second.items.map(\.id) == ["\(prefix)max"])
            #expect(second.next == nil, "nothing after the last member")
            try await cleanUp(prefix, client)
        }
    }

    @Test func queuesCountWaitingOfferedLongestWaitAndMembers() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let prefix = Self.prefix()
            try await seed(prefix, client)
            let page = try await store.queueStatuses(page: DirectoryPageRequest(after: prefix, limit: 3), client: client, logger: logger)
            #expect(page.items.map(\.id) == ["\(prefix)other", "\(prefix)q", "\(prefix)r"], "members' queues, waiting ones, registered ones")

            let queue = try #require(page.items.first { $0.id == "\(prefix)q" })
            #expect(queue.name == nil, "not registered")
            #expect(queue.waiting == 3, "queued only: not the offered, assigning, active or closed ones")
            #expect(queue.offered == 1)
            #expect((120..<180).contains(queue.longestWaitSeconds), "the oldest queued one, not the older offered one: \(queue)")
            #expect(queue.agents == 2 && queue.agentsReady == 1)

            let other = try #require(page.items.first { $0.id == "\(prefix)other" })
            #expect(other.waiting == 0 && other.offered == 0 && other.longestWaitSeconds == 0)
            #expect(other.agents == 2 && other.agentsReady == 0)

            let registered = try #require(page.items.last)
            #expect(registered.name == "Registered only")
            #expect(registered.waiting == 0 && registered.agents == 0 && registered.longestWaitSeconds == 0)
            try await cleanUp(prefix, client)
        }
    }

    @Test func queuePagesFollowTheCursor() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let prefix = Self.prefix()
            try await seed(prefix, client)
            let first = try await store.queueStatuses(page: DirectoryPageRequest(after: prefix, limit: 2), client: client, logger: logger)
            #expect(first.items.map(\.id) == ["\(prefix)other", "\(prefix)q"])
            let cursor = try #require(first.next.flatMap(DirectoryCursor.init(encoded:)))
            let second = try await store.queueStatuses(page: DirectoryPageRequest(after: cursor.id, limit: 2), client: client, logger: logger)
            #expect(second.items.first?.id == "\(prefix)r")
            try await cleanUp(prefix, client)
        }
    }

    @Test func aQueueWithNothingLeftDropsOutUnlessRegistered() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let prefix = Self.prefix()
            try await seed(prefix, client)
            try await cleanUp(prefix, client)
            let page = try await store.queueStatuses(page: DirectoryPageRequest(after: prefix, limit: 5), client: client, logger: logger)
            #expect(!page.items.contains { $0.id.hasPrefix(prefix) })
        }
    }
}
