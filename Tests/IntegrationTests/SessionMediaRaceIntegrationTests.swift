import Foundation
import Logging
import PostgresNIO
@testable import Session
import SwitchboardDatabase
import Testing

/// An MMS's `message.received` and its images' `media.stored` are applied by concurrent
/// transactions in `session`. Whichever commits second must still see the first: the image
/// ends on the transcript entry, never parked forever in `pending_media`.
@Suite("Session: media meets its message (real PostgreSQL)", .serialized)
struct SessionMediaRaceIntegrationTests {
    let store = PostgresInteractionStore(schema: "session")
    let logger = TestEnvironment.logger

    func prepare(_ client: PostgresClient) async throws -> UUID {
        try await MigrationRunner(schema: "session", migrations: SessionMigrations.all).run(on: client, logger: logger)
        let id = UUID()
        let settings = NumberSettings(mode: .page, queue: "sms", inactivityTimeoutSeconds: 600, dispositionRequired: false)
        try await client.withTransaction(logger: logger) { connection in
            try await store.create(NewInteraction(
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
            let (inserted, insertedSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { insertedSignal.finish() }
                    try await client.withTransaction(logger: logger) { connection in
                        _ = try await store.append(entry(interactionID, messageID: messageID), on: connection, logger: logger)
                        insertedSignal.yield()
                        for await _ in release { break }
                    }
                }
                for await _ in inserted { break }
                group.addTask {
                    try await client.withTransaction(logger: logger) { connection in
                        _ = try await store.attachMedia(messageID: messageID, mediaID: mediaID, on: connection, logger: logger)
                    }
                }
                // Give the image's transaction time to run (or, with the lock, to wait) first.
                try await Task.sleep(for: .milliseconds(300))
                releaseSignal.finish()
                try await group.waitForAll()
            }
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
            let (parked, parkedSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { parkedSignal.finish() }
                    try await client.withTransaction(logger: logger) { connection in
                        _ = try await store.attachMedia(messageID: messageID, mediaID: mediaID, on: connection, logger: logger)
                        parkedSignal.yield()
                        for await _ in release { break }
                    }
                }
                for await _ in parked { break }
                group.addTask {
                    try await client.withTransaction(logger: logger) { connection in
                        _ = try await store.append(entry(interactionID, messageID: messageID), on: connection, logger: logger)
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                releaseSignal.finish()
                try await group.waitForAll()
            }
            #expect(try await media(of: messageID, client) == [mediaID])
        }
    }
}
