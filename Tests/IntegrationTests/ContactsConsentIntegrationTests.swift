import Foundation
import PostgresNIO
import SwitchboardDatabase
import Testing

@testable import Contacts

/// Consent is set by the keyword's own time: two keywords of one pair applied
/// concurrently (replicas, a redelivery) must leave the newer one's state, whichever
/// transaction commits last.
@Suite("Contacts: consent never goes back in time (real PostgreSQL)", .serialized)
struct ContactsConsentIntegrationTests {
    @Test func anOlderKeywordCommittedLastDoesNotOverwriteANewerOne() async throws {
        try await TestEnvironment.withPostgres { client in
            let logger = TestEnvironment.logger
            try await MigrationRunner(schema: "contacts", migrations: Migration.messagingMigrations(schema: "contacts") + ContactsMigrations.all)
                .run(on: client, logger: logger)
            let store = PostgresConsentStore(schema: "contacts")
            let number = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
            let org = "+15550000002"
            let now = Date()
            try await client.withTransaction(logger: logger) { connection in
                try await store.set(number: number, orgNumber: org, state: .optedOut, at: now, on: connection, logger: logger)
            }
            try await client.withTransaction(logger: logger) { connection in
                try await store.set(number: number, orgNumber: org, state: .optedIn, at: now.addingTimeInterval(-60), on: connection, logger: logger)
            }
            let current = try await client.withTransaction(logger: logger) { connection in
                try await store.lock(number: number, orgNumber: org, on: connection, logger: logger)
            }
            #expect(current?.state == .optedOut, "the STOP sent later stays")
        }
    }
}
