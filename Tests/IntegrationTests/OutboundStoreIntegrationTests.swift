import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import Testing

@testable import Ingest

/// The database side of outbound delivery (issue #14), against the real PostgreSQL: the
/// send slots that hold a channel's rate across replicas, and leases that decide which SMS
/// a replica may send.
@Suite("Ingest: outbound SMS store (real PostgreSQL)", .serialized)
struct OutboundStoreIntegrationTests {
    let logger = TestEnvironment.logger
    let store = PostgresOutboundStore(schema: "ingest")

    func migrate(_ client: PostgresClient) async throws {
        try await MigrationRunner(schema: "ingest", migrations: Migration.messagingMigrations(schema: "ingest") + IngestMigrations.all)
            .run(on: client, logger: logger)
    }

    /// Two "replicas" reserving at once, in separate transactions, get slots that never
    /// overlap: together they are spaced by 1 / rate, as the channel's rate requires.
    @Test func concurrentReservationsNeverOverlap() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrate(client)
            let channel = "slots-\(UUID().uuidString.prefix(8))"
            let rate = 5.0
            let starts = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var mine: [Double] = []
                        for _ in 0..<5 {
                            let first = try await client.withTransaction(logger: logger) { connection in
                                try await store.reserveSlots(channel: channel, count: 2, rate: rate, on: connection, logger: logger)
                            }
                            let reservedAt = Date().timeIntervalSince1970
                            mine.append(reservedAt + Double(first.components.seconds) + Double(first.components.attoseconds) / 1e18)
                        }
                        return mine
                    }
                }
                var all: [Double] = []
                for try await starts in group { all += starts }
                return all.sorted()
            }
            // Ten reservations of two slots: twenty slots, 0.2 s apart, so consecutive
            // reservations start at least 0.4 s apart (less a little clock noise).
            #expect(starts.count == 10)
            for (earlier, later) in zip(starts, starts.dropFirst()) {
                #expect(later - earlier >= 0.35, "reservations \(earlier) and \(later) overlap")
            }
            #expect(starts.last! - starts.first! >= 3.5)
        }
    }

    /// An SMS leased by a replica is not due for another until its lease runs out; a settled
    /// one is never due again (a restart never sends twice outside the documented window).
    @Test func leasesAndSettledSMSAreNotDue() async throws {
        try await TestEnvironment.withPostgres { client in
            try await migrate(client)
            let run = UUID().uuidString.prefix(8)
            let sms = QueuedSMS(
                messageID: "lease-\(run)", part: 1, partsTotal: 1, channel: "lease-\(run)", interactionID: nil, from: "+14155550199",
                to: "+14155550100", text: "hi", encoding: "gsm7", reference: "ref\(run)"
            )
            func due() async throws -> [QueuedSMS] {
                try await client.withTransaction(logger: logger) { connection in
                    try await store.lockDue(limit: 500, on: connection, logger: logger).filter { $0.messageID == sms.messageID }
                }
            }
            try await client.withTransaction(logger: logger) { try await store.enqueue([sms, sms], on: $0, logger: logger) }
            #expect(try await due().count == 1, "queued once, however often enqueued")
            try await client.withTransaction(logger: logger) { try await store.lease([sms], leaseSeconds: 1, on: $0, logger: logger) }
            #expect(try await due().isEmpty, "leased: not due")
            try await Task.sleep(for: .milliseconds(1_200))
            #expect(try await due().map(\.attempts) == [1], "lease ran out: due again, its attempt counted")
            try await client.withTransaction(logger: logger) { try await store.lease([sms], leaseSeconds: 60, on: $0, logger: logger) }
            // The first lease's sender, late, no longer settles it: the second lease holds it.
            var stale = sms
            stale.attempts = 1
            let late = try await client.withTransaction(logger: logger) {
                try await store.markSent(stale, carrierIDs: ["SM0"], on: $0, logger: logger)
            }
            #expect(!late, "a sender whose lease ran out cannot settle the row")
            var current = sms
            current.attempts = 2
            let settled = try await client.withTransaction(logger: logger) {
                try await store.markSent(current, carrierIDs: ["SM1"], on: $0, logger: logger)
            }
            #expect(settled)
            #expect(try await due().isEmpty, "sent: never due again")
            let again = try await client.withTransaction(logger: logger) {
                try await store.markSent(current, carrierIDs: ["SM2"], on: $0, logger: logger)
            }
            #expect(!again, "a late second outcome does not settle it twice")
        }
    }
}
