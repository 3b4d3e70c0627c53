import Foundation

/// ``ConversationPlacement`` for a batch of inbound messages at once, in order: a
/// Session-mode message joins its conversation's open session — one that was open before
/// the batch, or one an earlier message of the same batch opened — and otherwise opens one;
/// a Page-mode message always opens its own interaction. No I/O: the batch path of
/// ``InboundBatchHandler`` reads the open sessions for all conversations in one query and
/// then decides with this.
struct InboundBatchPlacement: Sendable, Equatable {
    /// The two numbers of a conversation.
    struct Conversation: Hashable, Sendable {
        var organisation: String
        var customer: String
    }

    /// One message's interaction, and whether the message opens it.
    struct Placement: Sendable, Equatable {
        var interactionID: UUID
        var opens: Bool
    }

    /// One placement per message, in the messages' order.
    var placements: [Placement]

    /// - Parameters:
    ///   - messages: each message's conversation and its organisation number's mode, in order.
    ///   - openSessions: the Session-mode interaction open before the batch, per conversation.
    ///   - newID: the id of an interaction a message opens.
    init(
        messages: [(conversation: Conversation, mode: InteractionMode)], openSessions: [Conversation: UUID],
        newID: () -> UUID = UUID.init
    ) {
        var open = openSessions
        placements = messages.map { message in
            switch ConversationPlacement.decide(mode: message.mode, openSessionID: open[message.conversation]) {
            case .join(let id):
                return Placement(interactionID: id, opens: false)
            case .open:
                let id = newID()
                if message.mode == .session { open[message.conversation] = id }
                return Placement(interactionID: id, opens: true)
            }
        }
    }
}
