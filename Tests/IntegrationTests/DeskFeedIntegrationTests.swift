import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardServiceKit
import Testing

@testable import Transfer

/// The desk feed (docs/architecture.md section 10.2) against the real PostgreSQL: per-agent
/// numbers without gaps in commit order, reads after a cursor, retention that makes an old
/// `Last-Event-ID` a `resync`, and single-use tickets.
///
/// Agent ids are unique per run (`feed-<random>-…`), so earlier runs' rows never meet these.
@Suite("Transfer: the desk feed and stream tickets (real PostgreSQL)", .serialized)
struct DeskFeedIntegrationTests {
    let logger = TestEnvironment.logger
    let feed = PostgresDeskFeed(schema: "transfer")

    func migrated(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "transfer", migrations: Migration.messagingMigrations(schema: "transfer") + TransferMigrations.all)
            .run(on: client, logger: logger)
    }

    func event(_ agent: String, _ n: Int) -> AddressedDeskEvent {
        AddressedDeskEvent(agentID: agent, event: DeskEvent(kind: .notification, data: #"{"n":\#(n)}"#))
    }

    func append(_ events: [AddressedDeskEvent], _ client: PostgresClient) async throws {
        let (feed, logger) = (feed, logger)
        try await client.withTransaction(logger: logger) { connection in
            try await feed.append(events, on: connection, logger: logger)
        }
    }

    @Test func eachAgentsEventsAreNumberedInOrderAndReadAfterACursor() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let kate = TestEnvironment.unique("feed-kate")
            let lee = TestEnvironment.unique("feed-lee")
            try await append([event(kate, 1), event(lee, 1), event(kate, 2)], client)
            try await append([event(kate, 3)], client)
            #expect(try await feed.position(of: kate, client: client, logger: logger) == (3, 0))
            #expect(try await feed.position(of: lee, client: client, logger: logger) == (1, 0))
            #expect(try await feed.position(of: TestEnvironment.unique("feed-nobody"), client: client, logger: logger) == (0, 0))

            let rows = try await feed.events(after: [kate: 1, lee: 0], perAgent: 100, client: client, logger: logger)
            #expect(rows.count == 3)
            #expect(rows.first { $0.agentID == kate }?.event == DeskEvent(kind: .notification, data: #"{"n": 2}"#))
            #expect(rows.filter { $0.agentID == kate }.map(\.seq) == [2, 3])
            #expect(rows.filter { $0.agentID == lee }.map(\.seq) == [1])
        }
    }

    /// One agent's backlog never crowds another's events out of a read (the hub reads the
    /// busy one again; the other is read to its end at once).
    @Test func aReadTakesAtMostItsShareOfEachAgent() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let busy = "a-" + TestEnvironment.unique("feed-busy")
            let quiet = "z-" + TestEnvironment.unique("feed-quiet")
            try await append((1...50).map { event(busy, $0) } + [event(quiet, 1)], client)
            let rows = try await feed.events(after: [busy: 0, quiet: 0], perAgent: 10, client: client, logger: logger)
            #expect(rows.filter { $0.agentID == busy }.map(\.seq) == Array(1...10))
            #expect(rows.filter { $0.agentID == quiet }.map(\.seq) == [1])
        }
    }

    /// Two transactions writing to one agent at once: the second waits for the first's
    /// cursor row, so the numbers follow commit order and a reader never sees 2 before 1.
    @Test func concurrentWritersNeverLeaveAGapAReaderCouldSkip() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let kate = TestEnvironment.unique("feed-race")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<20 { group.addTask { try await append([event(kate, n)], client) } }
                try await group.waitForAll()
            }
            let rows = try await feed.events(after: [kate: 0], perAgent: 100, client: client, logger: logger)
            #expect(rows.map(\.seq) == Array(1...20))
        }
    }

    /// Past the replay window, events are removed and the agent's cursor remembers the
    /// newest removed: resuming from before it is `resync`, from after it a replay.
    @Test func retentionTurnsAnOldLastEventIdIntoResync() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let kate = TestEnvironment.unique("feed-old")
            try await append((1...4).map { event(kate, $0) }, client)
            try await client.query(
                "UPDATE transfer.desk_events SET at = now() - interval '2 hours' WHERE agent_id = \(kate) AND seq <= 3", logger: logger)
            try await feed.purge(olderThan: .seconds(3_600), client: client, logger: logger)
            let position = try await feed.position(of: kate, client: client, logger: logger)
            #expect(position == (4, 3))
            #expect(
                StreamStart.decide(lastEventID: "2", newest: position.newest, purgedThrough: position.purgedThrough)
                    == .resync(from: 4, reason: "events_expired"))
            #expect(StreamStart.decide(lastEventID: "3", newest: position.newest, purgedThrough: position.purgedThrough) == .after(3))
            #expect(try await feed.events(after: [kate: 3], perAgent: 10, client: client, logger: logger).map(\.seq) == [4])
        }
    }

    @Test func aTicketOpensOneStreamOnceAndCarriesItsIdentity() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrated(client)
            let tickets = PostgresStreamTickets(schema: "transfer")
            let expiry = Date().addingTimeInterval(600)
            let identity = Identity(
                agentID: TestEnvironment.unique("feed-ticket"), name: "Kate Lewis", roles: [.agent, .supervisor], permissions: ["media.save"],
                expiresAt: expiry)
            let issued = try await tickets.issue(for: identity, client: client, logger: logger)
            #expect(issued.expiresAt <= Date().addingTimeInterval(61))
            let stored = try await client.rows(
                "SELECT count(*)::int8 FROM transfer.stream_tickets WHERE ticket_hash = \(issued.ticket)", logger: logger)
            for try await count in stored.decode(Int64.self) { #expect(count == 0, "only a hash of the ticket is stored") }

            let redeemed = try await tickets.redeem(issued.ticket, client: client, logger: logger)
            #expect(redeemed?.agentID == identity.agentID)
            #expect(redeemed?.roles == [.agent, .supervisor])
            #expect(redeemed?.permissions == ["media.save"])
            #expect(abs((redeemed?.expiresAt ?? .distantPast).timeIntervalSince(expiry)) < 0.001)
            #expect(try await tickets.redeem(issued.ticket, client: client, logger: logger) == nil, "single use")
            #expect(try await tickets.redeem("made-up", client: client, logger: logger) == nil)

            // A token about to expire gives a ticket that expires with it.
            let shortLived = Identity(agentID: identity.agentID, name: nil, roles: [.agent], permissions: [], expiresAt: Date().addingTimeInterval(5))
            let short = try await tickets.issue(for: shortLived, client: client, logger: logger)
            #expect(short.expiresAt <= Date().addingTimeInterval(5))
        }
    }
}
