import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels

/// The state changes of the media service, each inside the caller's transaction (with
/// the inbox record), its event in the outbox of the same transaction.
///
/// Events: `media.stored` (``MediaStored``: `media_id`, `interaction_id` when known, else
/// null — session attaches media by `message_id` anyway —, `message_id`, `content_type`,
/// `bytes`, `width`, `height`) and `media.failed` (``MediaFailed``: `message_id`, `index`,
/// `reason`). The CloudEvents `subject` is the interaction id when known; the AMQP
/// `correlation_id` is the interaction id, else the message id.
struct MediaCommands: Sendable {
    let store: PostgresMediaStore
    let outbox: Outbox
    let logger: Logger

    func stored(_ blob: BlobRecord, for command: MediaFetch, traceparent: String?, on connection: PostgresConnection) async throws -> MediaRecord? {
        var interactionID = command.interactionId.flatMap(UUID.init(uuidString:))
        if interactionID == nil {
            try await store.lockMessage(command.messageId, on: connection, logger: logger)
            interactionID = try await store.interactionID(ofMessage: command.messageId, on: connection, logger: logger)
        }
        try await store.insertBlob(blob, on: connection, logger: logger)
        let record = MediaRecord(
            id: UUID(), messageID: command.messageId, index: command.index, interactionID: interactionID,
            filename: command.filename, channel: command.channel, createdAt: Date(), blob: blob
        )
        guard try await store.insertItem(record, on: connection, logger: logger) else { return nil }
        let interaction = interactionID?.uuidString.lowercased()
        let event = MediaStored(
            mediaId: record.idString, interactionId: interaction, messageId: command.messageId, contentType: blob.contentType,
            bytes: blob.bytes, width: blob.width, height: blob.height
        )
        try await outbox.enqueue(
            [
                try OutboxMessage.event(
                    .mediaStored, service: "media", subject: interaction, traceparent: traceparent, data: event,
                    correlationID: interaction ?? command.messageId
                )
            ], on: connection, logger: logger)
        return record
    }

    func failed(_ command: MediaFetch, reason: String, traceparent: String?, on connection: PostgresConnection) async throws -> Bool {
        let reason = String(reason.prefix(500))
        guard
            try await store.recordFailure(
                messageID: command.messageId, index: command.index, reason: reason, at: Date(), on: connection, logger: logger
            )
        else { return false }
        let interaction = command.interactionId
        let event = MediaFailed(messageId: command.messageId, index: command.index, reason: reason)
        try await outbox.enqueue(
            [
                try OutboxMessage.event(
                    .mediaFailed, service: "media", subject: interaction, traceparent: traceparent, data: event,
                    correlationID: interaction ?? command.messageId
                )
            ], on: connection, logger: logger)
        return true
    }

    func interactionAssigned(_ assigned: InteractionAssigned, on connection: PostgresConnection) async throws {
        guard let id = UUID(uuidString: assigned.interactionId), !assigned.agentId.isEmpty else {
            throw InvalidMessage("interaction_id must be a UUID and agent_id non-empty")
        }
        try await store.addParticipant(interactionID: id, agentID: assigned.agentId, at: assigned.at, on: connection, logger: logger)
    }

    /// `media.message.placed`: the interaction of a message's items, whichever of this and
    /// the items arrives first (the message's lock orders the two).
    func messagePlaced(_ placed: MediaMessagePlaced, on connection: PostgresConnection) async throws {
        guard !placed.messageId.isEmpty else { throw InvalidMessage("message_id must not be empty") }
        guard let id = UUID(uuidString: placed.interactionId) else { throw InvalidMessage("interaction_id must be a UUID") }
        try await store.lockMessage(placed.messageId, on: connection, logger: logger)
        try await store.mapMessage(placed.messageId, to: id, on: connection, logger: logger)
    }

    /// `interaction.message.appended`, from a broker still carrying the older binding of
    /// `media.events`: the same as ``messagePlaced(_:on:)``.
    func messageAppended(_ appended: InteractionMessageAppended, on connection: PostgresConnection) async throws {
        guard let messageID = appended.messageId, !messageID.isEmpty else { return }
        try await messagePlaced(MediaMessagePlaced(messageId: messageID, interactionId: appended.interactionId), on: connection)
    }
}
