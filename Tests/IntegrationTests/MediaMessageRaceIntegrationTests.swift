import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Media

/// A stored item learns its interaction from `interaction.message.appended`; the two are
/// applied by concurrent transactions (`media.commands` and `media.events`). Whichever
/// commits second must see the first: the item always ends with its interaction.
@Suite("Media: an item meets its interaction (real PostgreSQL)", .serialized)
struct MediaMessageRaceIntegrationTests {
    let logger = TestEnvironment.logger
    var commands: MediaCommands {
        MediaCommands(store: PostgresMediaStore(schema: "media"), outbox: Outbox(schema: "media"), logger: logger)
    }

    func interaction(ofItemsOf messageID: String, _ client: PostgresClient) async throws -> [UUID?] {
        let rows = try await client.query("SELECT interaction_id FROM media.items WHERE message_id = \(messageID)", logger: logger)
        var found: [UUID?] = []
        for try await id in rows.decode(UUID?.self) { found.append(id) }
        return found
    }

    @Test(arguments: [true, false])
    func theItemAlwaysLearnsItsInteraction(storedFirst: Bool) async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "media", migrations: Migration.messagingMigrations(schema: "media") + MediaMigrations.all).run(
                on: client, logger: logger)
            let messageID = UUID().uuidString.lowercased()
            let interactionID = UUID()
            let commands = self.commands
            let blob = BlobRecord(
                sha256: String(repeating: "0", count: 32) + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                contentType: "image/png", bytes: 10, width: 1, height: 1
            )
            let store: @Sendable (PostgresConnection) async throws -> Void = { connection in
                _ = try await commands.stored(blob, for: MediaFetch(messageId: messageID, index: 0), traceparent: nil, on: connection)
            }
            let map: @Sendable (PostgresConnection) async throws -> Void = { connection in
                try await commands.messageAppended(
                    InteractionMessageAppended(
                        interactionId: interactionID.uuidString.lowercased(), seq: 1, kind: "message", direction: "inbound",
                        messageId: messageID, at: Date(), mediaCount: 1
                    ), on: connection)
            }
            if storedFirst {
                try await TestEnvironment.interleave(client, first: store, second: map)
            } else {
                try await TestEnvironment.interleave(client, first: map, second: store)
            }
            #expect(try await interaction(ofItemsOf: messageID, client) == [interactionID])
        }
    }
}
