import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Transfer

/// `transfer.events` is a competing queue: with replicas, or after a redelivery, an
/// interaction's `interaction.closed` can be applied before its `interaction.created`.
@Suite("Transfer: interaction events out of order (real PostgreSQL)", .serialized)
struct TransferEventOrderIntegrationTests {
    @Test func aLateCreatedNeverRoutesAnInteractionThatClosed() async throws {
        try await TestEnvironment.withPostgres { client in
            let logger = TestEnvironment.logger
            try await MigrationRunner(schema: "transfer", migrations: Migration.messagingMigrations(schema: "transfer") + TransferMigrations.all)
                .run(on: client, logger: logger)
            let commands = TransferCommands(
                store: PostgresTransferStore(schema: "transfer"), outbox: Outbox(schema: "transfer"),
                participants: InteractionParticipants(schema: "transfer"), offerTimeout: 30, logger: logger
            )
            let id = UUID()
            let customer = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
            try await client.withTransaction(logger: logger) { connection in
                try await commands.closed(
                    InteractionClosed(
                        interactionId: id.uuidString.lowercased(), reason: "done", ownerId: nil, from: customer, to: "+15550000002",
                        mode: "page", disposition: nil, closedAt: Date()
                    ), traceparent: nil, on: connection)
            }
            try await client.withTransaction(logger: logger) { connection in
                try await commands.created(
                    InteractionCreated(
                        interactionId: id.uuidString.lowercased(), mode: "page", media: "sms", from: customer, to: "+15550000002",
                        queue: "race-\(UUID().uuidString.prefix(8))", origin: "Inbound SMS Page Mode", createdAt: Date()
                    ), traceparent: nil, on: connection)
            }
            let rows = try await client.query("SELECT state FROM transfer.interactions WHERE id = \(id)", logger: logger)
            var states: [String] = []
            for try await state in rows.decode(String.self) { states.append(state) }
            #expect(states == ["closed"], "the interaction stays closed and is not queued for routing")
        }
    }
}
