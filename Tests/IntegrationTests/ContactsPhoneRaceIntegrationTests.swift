@testable import Contacts
import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

/// A new interaction from a number and a contact gaining that number are applied by
/// concurrent transactions (`contacts.events` and an HTTP request). Whichever commits
/// second must see the first: the interaction is always identified.
@Suite("Contacts: a new interaction meets a new contact (real PostgreSQL)", .serialized)
struct ContactsPhoneRaceIntegrationTests {
    @Test(arguments: [true, false])
    func theInteractionIsAlwaysIdentified(interactionFirst: Bool) async throws {
        try await TestEnvironment.withPostgres { client in
            let logger = TestEnvironment.logger
            try await MigrationRunner(schema: "contacts", migrations: [Migration.messaging(schema: "contacts")] + ContactsMigrations.all)
                .run(on: client, logger: logger)
            let commands = ContactCommands(
                contacts: PostgresContactStore(schema: "contacts"), history: PostgresHistoryStore(schema: "contacts"),
                outbox: Outbox(schema: "contacts"), logger: logger
            )
            let phone = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
            let interactionID = UUID()
            let supervisor = Identity(agentID: "sup", name: "Sup", roles: [.supervisor], permissions: [])
            let created: @Sendable (PostgresConnection) async throws -> Void = { connection in
                try await commands.interactionCreated(InteractionCreated(
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
            let rows = try await client.query("""
                SELECT i.contact_id = p.contact_id FROM contacts.interactions i, contacts.phones p
                WHERE i.id = \(interactionID) AND p.number = \(phone)
                """, logger: logger)
            var identified: [Bool?] = []
            for try await same in rows.decode(Bool?.self) { identified.append(same) }
            #expect(identified == [true], "the interaction from \(phone) is linked to the contact that has it")
        }
    }
}
