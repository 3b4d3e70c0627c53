import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

extension InteractionCommands {
    /// ``placeInbound(_:traceparent:on:)`` for a batch of plain SMS (no media) in a fixed
    /// number of statements, whatever the batch's size — one to read the numbers' settings
    /// and lock the open sessions, one to write the interactions and entries, one for the
    /// events — with the same rows and events, in the same order, as placing the messages
    /// one by one. The entries are numbered before the write (``InboundSequencing``), so the
    /// events need nothing read back.
    func placeInboundBatch(_ batch: [(message: MessageReceived, traceparent: String?)], on connection: PostgresConnection) async throws {
        guard !batch.isEmpty else { return }
        let conversations = batch.map { InboundBatchPlacement.Conversation(organisation: $0.message.to, customer: $0.message.from) }
        let state = try await store.inboundBatchState(Array(Set(conversations)), defaultMode: defaults.mode, on: connection, logger: logger)
        let numberSettings = batch.map { state.settings[$0.message.to] ?? defaults }
        let placements = InboundBatchPlacement(
            messages: zip(conversations, numberSettings).map { ($0.0, $0.1.mode) }, openSessions: state.openSessions.mapValues(\.id)
        ).placements

        var created: [NewInteraction] = []
        var entries: [InboundEntry] = []
        for ((item, settings), placement) in zip(zip(batch, numberSettings), placements) {
            let message = item.message
            if placement.opens {
                created.append(
                    NewInteraction(
                        id: placement.interactionID, settings: settings, media: "sms", channel: message.channel,
                        from: message.from, to: message.to, origin: settings.mode.origin(hasMedia: false), createdAt: message.acceptedAt
                    ))
            }
            entries.append(
                InboundEntry(
                    interactionID: placement.interactionID, messageID: message.messageId, customer: message.from, text: message.text,
                    entities: extractor.extract(message.text), ingestSequence: message.sequence, at: message.acceptedAt
                ))
        }
        let sequencing = InboundSequencing(
            entries: placements.map { ($0.interactionID, $0.opens) },
            nextSeq: Dictionary(state.openSessions.values.map { ($0.id, $0.nextSeq) }, uniquingKeysWith: { first, _ in first })
        )
        try await store.writeInbound(created: created, entries: entries, sequencing: sequencing, on: connection, logger: logger)

        var events: [OutboxMessage] = []
        var creations = created.makeIterator()
        for (((item, placement), entry), seq) in zip(zip(zip(batch, placements), entries), sequencing.seqs) {
            let id = placement.interactionID
            if placement.opens, let interaction = creations.next() {
                events.append(
                    try event(
                        .interactionCreated, id, item.traceparent,
                        InteractionCreated(
                            interactionId: id.uuidString.lowercased(), mode: interaction.settings.mode.rawValue, media: interaction.media,
                            from: interaction.from, to: interaction.to, queue: interaction.settings.queue, origin: interaction.origin,
                            createdAt: interaction.createdAt, interaction: interaction.view(state: .queued, owner: nil)
                        )))
            }
            events.append(
                try event(
                    .interactionMessageAppended, id, item.traceparent,
                    InteractionMessageAppended(
                        interactionId: id.uuidString.lowercased(), seq: seq, kind: "message", direction: "inbound",
                        messageId: entry.messageID, at: entry.at, mediaCount: 0, entry: entry.view(seq: seq)
                    )))
        }
        try await outbox.enqueue(events, on: connection, logger: logger)
        // Debug, not info: a line (one write(2)) per SMS was a tenth of session's CPU at 1,000 SMS/s.
        for (item, placement) in zip(batch, placements) {
            logger.debug(
                "inbound message appended",
                metadata: [
                    "interaction_id": "\(placement.interactionID.uuidString.lowercased())", "message_id": "\(item.message.messageId)",
                    "trace_id": "\(item.traceparent.flatMap(TraceContext.traceID(of:)) ?? "")",
                ])
        }
    }
}
