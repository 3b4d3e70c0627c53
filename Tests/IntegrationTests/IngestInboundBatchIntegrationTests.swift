import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import Testing

@testable import Ingest

/// Ingest records a consumer batch in a fixed number of statements; it must store and emit
/// what recording the messages one by one would: sequence numbers in batch order, one row
/// and one `message.received` per (channel, carrier id), parts still reassembled.
@Suite("Ingest: inbound messages in batches (real PostgreSQL)", .serialized)
struct IngestInboundBatchIntegrationTests {
    let logger = TestEnvironment.logger

    func acceptor(_ client: PostgresClient) async throws -> InboundAcceptor {
        try await MigrationRunner(schema: "ingest", migrations: Migration.messagingMigrations(schema: "ingest") + IngestMigrations.all)
            .run(on: client, logger: logger)
        return InboundAcceptor(
            validator: InboundValidator(defaultRegion: "US"), store: PostgresInboundStore(schema: "ingest"),
            parts: PostgresPartStore(schema: "ingest"),
            regions: ChannelRegions(store: PostgresChannelStore(schema: "ingest"), client: client, logger: logger),
            client: client, outbox: Outbox(schema: "ingest"), reassemblyTimeout: 60, logger: logger
        )
    }

    static func number() -> String { "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }

    func message(_ carrierID: String, from: String, to: String, text: String, part: InboundMessage.Part? = nil) -> ValidatedInbound {
        ValidatedInbound(
            channel: "batch-test", carrierMessageID: carrierID, from: from, to: to, text: text, media: [], receivedAt: Date(), part: part
        )
    }

    /// `message.received` events in the outbox for messages to `organisation`, in outbox order.
    func received(to organisation: String, _ client: PostgresClient) async throws -> [MessageReceived] {
        let rows = try await client.query(
            """
            SELECT convert_from(body, 'UTF8') FROM ingest.outbox
            WHERE message_type = 'message.received' AND convert_from(body, 'UTF8') LIKE \("%\(organisation)%")
            ORDER BY id
            """, logger: logger)
        var found: [MessageReceived] = []
        for try await body in rows.decode(String.self) {
            let event = try SwitchboardJSON.decoder().decode(CloudEvent<MessageReceived>.self, from: Data(body.utf8))
            if event.data.to == organisation { found.append(event.data) }
        }
        return found
    }

    @Test func aBatchStoresEachMessageOnceInOrderAndStillReassemblesParts() async throws {
        try await TestEnvironment.withPostgres { client in
            let acceptor = try await acceptor(client)
            let (organisation, alice, bob, carol) = (Self.number(), Self.number(), Self.number(), Self.number())
            let run = UUID().uuidString.prefix(8)
            let id = { (name: String) in "\(run)-\(name)" }
            // Accepted before the batch: its redelivery in the batch is a duplicate.
            _ = try await client.withTransaction(logger: logger) {
                try await acceptor.record(
                    message(id("earlier"), from: alice, to: organisation, text: "earlier"), source: "amqp", traceparent: nil, on: $0)
            }
            let batch = [
                message(id("a1"), from: alice, to: organisation, text: "one"),
                message(id("b1"), from: bob, to: organisation, text: "hello"),
                message(id("earlier"), from: alice, to: organisation, text: "earlier"),
                message(id("a2"), from: alice, to: organisation, text: "two"),
                message(id("b1"), from: bob, to: organisation, text: "hello"),
                message(id("c-part2"), from: carol, to: organisation, text: " world", part: .init(ref: 7, total: 2, seq: 2)),
                message(id("c-part1"), from: carol, to: organisation, text: "hello", part: .init(ref: 7, total: 2, seq: 1)),
            ].map { (message: $0, traceparent: String?.none) }
            try await client.withTransaction(logger: logger) { try await acceptor.recordBatch(batch, source: "amqp", on: $0) }

            let events = try await received(to: organisation, client)
            #expect(events.prefix(4).map(\.carrierMessageId) == ["earlier", "a1", "b1", "a2"].map(id), "each whole message once, in batch order")
            let sequences = events.prefix(4).map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == 4, "sequence numbers follow the batch order")
            #expect(events.count == 5, "the two parts became one message")
            #expect(events.last.map { ($0.from, $0.text) } ?? ("", "") == (carol, "hello world"))

            let stored = try await client.query(
                "SELECT count(*) FROM ingest.messages WHERE channel = 'batch-test' AND carrier_message_id = ANY(\(["a1", "b1", "a2", "earlier"].map(id)))",
                logger: logger
            )
            for try await count in stored.decode(Int.self) { #expect(count == 4) }
        }
    }
}
