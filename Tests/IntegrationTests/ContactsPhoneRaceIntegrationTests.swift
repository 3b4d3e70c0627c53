import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Contacts

/// A new interaction from a number and a contact gaining that number are applied by
/// concurrent transactions (`contacts.events` and an HTTP request). Whichever commits
/// second must see the first: the interaction is always identified.
@Suite("Contacts: a new interaction meets a new contact (real PostgreSQL)", .serialized)
struct ContactsPhoneRaceIntegrationTests {
    @Test(arguments: [true, false])
    func theInteractionIsAlwaysIdentified(interactionFirst: Bool) async throws {
        try await TestEnvironment.withPostgres { client in
            let logger = TestEnvironment.logger
            try await MigrationRunner(schema: "contacts", migrations: Migration.messagingMigrations(schema: "contacts") + ContactsMigrations.all)
                .run(on: client, logger: logger)
            let commands = ContactCommands(
                contacts: PostgresContactStore(schema: "contacts"), history: PostgresHistoryStore(schema: "contacts"),
                outbox: Outbox(schema: "contacts"), participants: InteractionParticipants(schema: "contacts"), logger: logger
            )
            let phone = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
            let interactionID = UUID()
            let supervisor = Identity(agentID: "sup", name: "Sup", roles: [.supervisor], permissions: [])
            let created: @Sendable (PostgresConnection) async throws -> Void = { connection in
                try await commands.interactionCreated(
                    InteractionCreated(
                        interactionId: interactionID.uuidString.lowercased(), mode: "session", media: "sms", from: phone,
                        to: "+15550000002", queue: "sms", origin: "Inbound SMS Session Mode", createdAt: Date()
                    ), traceparent: nil, on: connection)
            }
            let contact = ContactDraft(firstName: "Ada", lastName: "Race", displayName: nil, phones: [phone], emails: [], attributes: [:])
            let contactCreated: @Sendable (PostgresConnection) async throws -> Void = { connection in
                _ = try await commands.create(contact, by: supervisor, traceparent: nil, on: connection)
            }
            if interactionFirst {
                try await TestEnvironment.interleave(client, first: created, second: contactCreated)
            } else {
                try await TestEnvironment.interleave(client, first: contactCreated, second: created)
            }
            let rows = try await client.query(
                """
                SELECT i.contact_id = p.contact_id FROM contacts.interactions i, contacts.phones p
                WHERE i.id = \(interactionID) AND p.number = \(phone)
                """, logger: logger)
            var identified: [Bool?] = []
            for try await same in rows.decode(Bool?.self) { identified.append(same) }
            #expect(identified == [true], "the interaction from \(phone) is linked to the contact that has it")
        }
    }

    /// A batch takes its phone locks in sorted order, whatever order its events came in, so
    /// two batches meeting over the same numbers wait for each other instead of deadlocking:
    /// while the later number is held elsewhere, the batch already holds the earlier one.
    @Test func aBatchTakesItsPhoneLocksInSortedOrder() async throws {
        try await TestEnvironment.withPostgres { client in
            let logger = TestEnvironment.logger
            let store = PostgresContactStore(schema: "contacts")
            let suffix = String(UInt32.random(in: 1_000_000...9_999_999))
            let (earlier, later) = ("+1555100" + suffix, "+1555900" + suffix)
            let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            let (started, startedSignal) = AsyncStream.makeStream(of: Int32.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await client.withTransaction(logger: logger) { connection in
                        try await store.lockPhone(later, on: connection, logger: logger)
                        heldSignal.yield()
                        for await _ in release { break }
                    }
                }
                for await _ in held { break }
                group.addTask {
                    try await client.withTransaction(logger: logger) { connection in
                        for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
                            startedSignal.yield(pid)
                        }
                        try await store.lockPhones([later, earlier], on: connection, logger: logger)
                    }
                }
                var pid: Int32 = 0
                for await value in started {
                    pid = value
                    break
                }
                try await Task.sleep(for: .milliseconds(300))
                let rows = try await client.query(
                    """
                    SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) FROM pg_locks
                    WHERE locktype = 'advisory' AND objsubid = 2 AND pid = \(pid)
                    """, logger: logger)
                for try await (granted, waiting) in rows.decode((Int, Int).self) {
                    #expect(granted == 1, "the earlier number is held while the later one is awaited")
                    #expect(waiting == 1)
                }
                releaseSignal.finish()
                try await group.waitForAll()
            }
        }
    }
}
