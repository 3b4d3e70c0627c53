import Foundation

/// The command `media.message.placed` (exchange `switchboard.commands`, routing key
/// `media.message.placed`, queue `media.commands`), sent by session when it appends an
/// inbound MMS to an interaction: media learns which interaction the message's items belong
/// to (ingest, which sends `media.fetch`, does not know it).
///
/// ```json
/// {"message_id": "<ingest's message id>", "interaction_id": "<uuid>"}
/// ```
///
/// A command, not a subscription to `interaction.message.appended`: media needs it for MMS
/// only, and a binding would copy every inbound SMS's event into its quorum queue.
public struct MediaMessagePlaced: Codable, Sendable, Equatable {
    public var messageId: String
    public var interactionId: String

    public init(messageId: String, interactionId: String) {
        self.messageId = messageId
        self.interactionId = interactionId
    }
}
