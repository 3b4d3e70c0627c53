import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Session

/// An MMS's `message.received` and its images' `media.stored` are applied by concurrent
/// transactions in `session`. Whichever commits second must still see the first: the image
/// ends on the transcript entry, never parked forever in `pending_media`.
@Suite("Session: media meets its message (real PostgreSQL)", .serialized)
struct SessionMediaRaceIntegrationTests {
    let store = PostgresInteractionStore(schema: "session")
    let logger = TestEnvironment.logger

    func prepare(_ client: PostgresClient) async throws -> UUID {
        try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
            on: client, logger: logger)
        let id = UUID()
        let settings = NumberSettings(mode: .page, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false)
        try await client.withTransaction(logger: logger) { connection in
            try await store.create(
                NewInteraction(
                    id: id, settings: settings, media: "mms", channel: "default", from: "+15550000001", to: "+15550000002",
                    origin: "Inbound MMS Session Mode", createdAt: Date()
                ), on: connection, logger: logger)
        }
        return id
    }

    func entry(_ interactionID: UUID, messageID: String) -> NewTranscriptEntry {
        NewTranscriptEntry(
            interactionID: interactionID, kind: "message", direction: "inbound", authorType: "contact", authorID: nil,
            authorName: nil, text: "photo", messageID: messageID, at: Date(), mediaCount: 1
        )
    }

    func media(of messageID: String, _ client: PostgresClient) async throws -> [String] {
        let rows = try await client.query(
            "SELECT media::text FROM session.transcript WHERE message_id = \(messageID)", logger: logger
        )
        var found: [String] = []
        for try await text in rows.decode(String.self) {
            found = try JSONDecoder().decode([String].self, from: Data(text.utf8))
        }
        return found
    }

    /// The message's transaction is open (its entry inserted, not committed) when the image's
    /// transaction runs: the image waits for it and lands on the entry.
    @Test func mediaStoredDuringTheMessagesTransactionLandsOnTheEntry() async throws {
        try await TestEnvironment.withPostgres { client in
            let interactionID = try await prepare(client)
            let messageID = "race-\(UUID().uuidString)"
            let mediaID = UUID().uuidString
            let (store, entry) = (store, entry(interactionID, messageID: messageID))
            try await TestEnvironment.interleave(
                client,
                first: { connection in
                    _ = try await store.append(entry, on: connection, logger: TestEnvironment.logger)
                },
                second: { connection in
                    _ = try await store.attachMedia(messageID: messageID, mediaID: mediaID, on: connection, logger: TestEnvironment.logger)
                })
            #expect(try await media(of: messageID, client) == [mediaID])
        }
    }

    /// The image's transaction is open (parked in `pending_media`, not committed) when the
    /// message's transaction runs: the message waits for it and picks the image up.
    @Test func messageReceivedDuringTheImagesTransactionPicksItUp() async throws {
        try await TestEnvironment.withPostgres { client in
            let interactionID = try await prepare(client)
            let messageID = "race-\(UUID().uuidString)"
            let mediaID = UUID().uuidString
            let (store, entry) = (store, entry(interactionID, messageID: messageID))
            try await TestEnvironment.interleave(
                client,
                first: { connection in
                    _ = try await store.attachMedia(messageID: messageID, mediaID: mediaID, on: connection, logger: TestEnvironment.logger)
                },
                second: { connection in
                    _ = try await store.append(entry, on: connection, logger: TestEnvironment.logger)
                })
            #expect(try await media(of: messageID, client) == [mediaID])
        }
    }

    /// A `media.failed` that overtakes its `message.received` waits, and becomes the
    /// transcript's system entry (right after the message) when the message arrives.
    @Test func aMediaFailureBeforeItsMessageReachesTheTranscript() async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "session", migrations: Migration.messagingMigrations(schema: "session") + SessionMigrations.all).run(
                on: client, logger: logger)
            let commands = InteractionCommands(
                store: store, settings: PostgresSettingsStore(schema: "session"), responses: StandardResponseStore(schema: "session"),
                outbox: Outbox(schema: "session"),
                defaults: NumberSettings(mode: .page, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false),
                dispositions: DispositionCatalog(codes: []), maxParts: 10, extractor: EntityExtractor(defaultRegion: "US"), logger: logger
            )
            let messageID = UUID().uuidString.lowercased()
            try await client.withTransaction(logger: logger) { connection in
                try await commands.mediaFailed(
                    MediaFailed(messageId: messageID, index: 1, reason: "address refused"), traceparent: nil, on: connection
                )
            }
            let customer = "+1555" + String(UInt32.random(in: 1_000_000...9_999_999))
            let received = MessageReceived(
                messageId: messageID, channel: "default", carrierMessageId: "MM-\(messageID)", from: customer, to: "+15550000002",
                text: "photos",
                media: [.init(index: 0, contentType: "image/png", filename: nil), .init(index: 1, contentType: "image/png", filename: nil)],
                receivedAt: Date(), acceptedAt: Date(), sequence: 1
            )
            try await client.withTransaction(logger: logger) { connection in
                try await commands.placeInbound(received, traceparent: nil, on: connection)
            }
            let rows = try await client.query(
                """
                SELECT t.kind, t.text FROM session.transcript t
                WHERE t.interaction_id = (SELECT interaction_id FROM session.transcript WHERE message_id = \(messageID))
                ORDER BY t.seq
                """, logger: logger)
            var entries: [String] = []
            for try await (kind, text) in rows.decode((String, String).self) { entries.append("\(kind): \(text)") }
            #expect(entries == ["message: photos", "system: An image could not be retrieved: address refused"])
            let parked = try await client.query(
                "SELECT count(*) FROM session.pending_media_failures WHERE message_id = \(messageID)", logger: logger
            )
            for try await count in parked.decode(Int.self) { #expect(count == 0) }
        }
    }
}
