import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Session

/// `GET /v1/interactions?queue=&state=` against the real PostgreSQL (the supervisor's view of
/// a queue, docs/architecture.md section 10.3): the filter the route builds (visibility as the
/// route applies it: an agent sees what it owns or owned, a supervisor or admin everything),
/// read by ``PostgresInteractionStore/list(_:client:logger:)``. Parsing the query is
/// SessionTests' (`InteractionQueryTests`).
///
/// The rows are written straight into `session.interactions` (and `participants`), one of
/// each state, in queues of the test's own (`svq-<random>`), so that earlier runs' rows in
/// the shared test database never match.
@Suite("Session: interaction list by queue and state (real PostgreSQL)", .serialized)
struct SessionInteractionListIntegrationTests {
    let logger = TestEnvironment.logger
    let store = PostgresInteractionStore(schema: "session")

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
            on: client, logger: logger)
    }

    struct Seeded {
        var queue: String
        var other: String
        /// By state: `queued`, `offered`, `active` (kate owns it), `closed` (kate owned it).
        var ids: [String: UUID]
    }

    /// One interaction of each state in `queue` (created a second apart, `queued` oldest) and
    /// one queued in `other`.
    func seed(_ client: PostgresClient) async throws -> Seeded {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let seeded = Seeded(
            queue: "svq-\(suffix)", other: "svq-\(suffix)-other",
            ids: ["queued": UUID(), "offered": UUID(), "active": UUID(), "closed": UUID()])
        let start = Date().addingTimeInterval(-60)
        for (offset, state) in ["queued", "offered", "active", "closed"].enumerated() {
            let owner: String? = state == "active" || state == "closed" ? "kate" : nil
            let at = start.addingTimeInterval(Double(offset))
            try await insert(seeded.ids[state] ?? UUID(), state: state, queue: seeded.queue, owner: owner, at: at, client)
        }
        try await insert(UUID(), state: "queued", queue: seeded.other, owner: nil, at: start, client)
        return seeded
    }

    func insert(_ id: UUID, state: String, queue: String, owner: String?, at: Date, _ client: PostgresClient) async throws {
        let customer = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
        try await client.query(
            """
            INSERT INTO session.interactions
                (id, state, mode, media, channel, from_number, to_number, queue, origin, owner_id, owner_name,
                 inactivity_timeout_seconds, created_at, closed_at, close_reason, last_activity_at)
            VALUES (\(id), \(state), 'page', 'sms', 'default', \(customer), '+15550000002', \(queue), 'Inbound SMS Page Mode',
                    \(owner), \(owner), 600, \(at), \(state == "closed" ? at : nil), \(state == "closed" ? "done" : nil), \(at))
            """, logger: logger)
        if let owner {
            try await client.query("INSERT INTO session.participants (interaction_id, agent_id) VALUES (\(id), \(owner))", logger: logger)
        }
    }

    /// What `GET /v1/interactions?queue=&state=&limit=&cursor=` answers `identity`, as the
    /// route computes it.
    func list(
        queue: String, state: String? = nil, limit: Int = 50, cursor: String? = nil, as identity: Identity, _ client: PostgresClient
    ) async throws -> ListPage<InteractionView> {
        var filter = InteractionFilter(queue: queue, state: state, cursor: cursor.flatMap(KeysetCursor.init(encoded:)), limit: limit)
        if !identity.canReadEverything { filter.visibleTo = identity.agentID }
        return try await store.list(filter, client: client, logger: logger)
    }

    func ids(_ seeded: Seeded, _ states: String...) -> [String] {
        states.compactMap { seeded.ids[$0]?.uuidString.lowercased() }
    }

    let supervisor = Identity(agentID: "sue", name: "Sue Pervisor", roles: [.supervisor], permissions: [])
    let admin = Identity(agentID: "ada", name: "Ada Admin", roles: [.admin], permissions: [])
    let kate = Identity(agentID: "kate", name: "Kate Lewis", roles: [.agent], permissions: [])
    let lee = Identity(agentID: "lee", name: "Lee Other", roles: [.agent], permissions: [])

    @Test func aSupervisorListsEveryInteractionOfAQueueNewestFirst() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let seeded = try await seed(client)
            for identity in [supervisor, admin] {
                let page = try await list(queue: seeded.queue, as: identity, client)
                #expect(page.items.map(\.id) == ids(seeded, "closed", "active", "offered", "queued"))
                #expect(page.items.allSatisfy { $0.queue == seeded.queue })
                #expect(page.next == nil)
            }
        }
    }

    @Test(arguments: ["queued", "offered", "active", "closed"])
    func everyStateFiltersTheQueue(state: String) async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let seeded = try await seed(client)
            let page = try await list(queue: seeded.queue, state: state, as: supervisor, client)
            #expect(page.items.map(\.id) == ids(seeded, state))
            #expect(page.items.first?.state == state)
        }
    }

    @Test func openIsEveryStateButClosed() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let seeded = try await seed(client)
            let page = try await list(queue: seeded.queue, state: "open", as: supervisor, client)
            #expect(Set(page.items.map(\.state)) == ["queued", "offered", "active"])
            let other = try await list(queue: seeded.other, state: "queued", as: supervisor, client)
            #expect(other.items.count == 1 && other.items.first?.queue == seeded.other)
        }
    }

    /// An agent filtering by queue still sees only what it owns or owned: the waiting ones of
    /// the queue are not its business until it is offered one.
    @Test func anAgentSeesOnlyWhatItOwnsOrOwnedInTheQueue() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let seeded = try await seed(client)
            let kates = try await list(queue: seeded.queue, as: kate, client)
            #expect(kates.items.map(\.id) == ids(seeded, "closed", "active"))
            let waiting = try await list(queue: seeded.queue, state: "queued", as: kate, client)
            #expect(waiting.items.isEmpty)
            let lees = try await list(queue: seeded.queue, as: lee, client)
            #expect(lees.items.isEmpty)
        }
    }

    @Test func pagesOfAQueueFollowTheCursor() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let seeded = try await seed(client)
            let first = try await list(queue: seeded.queue, limit: 3, as: supervisor, client)
            #expect(first.items.map(\.id) == ids(seeded, "closed", "active", "offered"))
            let cursor = try #require(first.next)
            let second = try await list(queue: seeded.queue, limit: 3, cursor: cursor, as: supervisor, client)
            #expect(second.items.map(\.id) == ids(seeded, "queued"))
            #expect(second.next == nil)
        }
    }
}
