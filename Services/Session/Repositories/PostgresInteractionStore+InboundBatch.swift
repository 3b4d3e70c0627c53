import Foundation
import Logging
import PostgresNIO
import SwitchboardModels

/// The batch path of inbound SMS: two statements for any number of messages, one to read
/// (``InboundBatchStateStatement``) and one to write (``InboundBatchWriteStatement``), plus
/// the outbox's. Arrays are bound whole and unnested in the database.
extension PostgresInteractionStore {
    /// The settings of the conversations' numbers that have their own, and the open sessions
    /// of those in Session mode (a number without settings is in `defaultMode`), locked (`FOR
    /// UPDATE`, in id order), in one query.
    func inboundBatchState(
        _ conversations: [InboundBatchPlacement.Conversation], defaultMode: InteractionMode, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> InboundBatchState {
        guard !conversations.isEmpty else { return InboundBatchState() }
        let statement = InboundBatchStateStatement(
            organisations: conversations.map(\.organisation), customers: conversations.map(\.customer), defaultMode: defaultMode.rawValue)
        var state = InboundBatchState()
        for try await (organisation, customer, mode, queue, timeout, required, openID, nextSeq) in try await connection.execute(
            statement, logger: logger)
        {
            if let mode, let queue, let timeout, let required {
                state.settings[organisation] = NumberSettings(
                    mode: InteractionMode(rawValue: mode) ?? .session, queue: queue, inactivityTimeoutSeconds: timeout,
                    dispositionRequired: required)
            }
            if let openID, let nextSeq {
                state.openSessions[.init(organisation: organisation, customer: customer)] = .init(id: openID, nextSeq: nextSeq)
            }
        }
        return state
    }

    /// Writes the batch in one statement: the interactions it opens, the sessions it
    /// continues and the entries, numbered by `sequencing`. Throws ``InboundBatchNotWritten`` for
    /// an entry that was not written because its session's numbering moved since it was read
    /// (the row lock of ``inboundBatchState(_:defaultMode:on:logger:)`` should make that
    /// impossible; the check keeps a numbering mistake from committing). The statement's other
    /// rows are written by then: call it inside the batch's transaction, which the throw rolls
    /// back (``InboundBatchHandler``).
    func writeInbound(
        created: [NewInteraction], entries: [InboundEntry], sequencing: InboundSequencing, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !entries.isEmpty else { return }
        var lastAt: [UUID: Date] = [:]
        for entry in entries { lastAt[entry.interactionID] = max(lastAt[entry.interactionID] ?? entry.at, entry.at) }
        let encoder = SwitchboardJSON.encoder()
        let statement = InboundBatchWriteStatement(
            created: created.map { interaction in
                (
                    interaction, max(interaction.createdAt, lastAt[interaction.id] ?? interaction.createdAt),
                    sequencing.nextSeqOfOpened[interaction.id] ?? 1
                )
            },
            continued: sequencing.continued.map { ($0, lastAt[$0.interactionID] ?? .distantPast) },
            entries: Array(zip(entries, sequencing.seqs)),
            entities: try entries.map { String(decoding: try encoder.encode($0.entities), as: UTF8.self) }
        )
        var written = Set<String>()
        for try await messageID in try await connection.execute(statement, logger: logger) { written.insert(messageID) }
        if let missing = entries.first(where: { !written.contains($0.messageID) }) {
            throw InboundBatchNotWritten(interactionID: missing.interactionID)
        }
    }
}
