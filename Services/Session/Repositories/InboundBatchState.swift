import Foundation

/// What ``PostgresInteractionStore/inboundBatchState(_:defaultMode:on:logger:)`` reads for a
/// batch of inbound SMS: the settings of the numbers that have their own, and the open
/// sessions of the Session-mode conversations, locked until the batch commits.
struct InboundBatchState: Sendable, Equatable {
    /// An open session and the sequence number its next entry gets.
    struct OpenSession: Sendable, Equatable {
        var id: UUID
        var nextSeq: Int
    }

    var settings: [String: NumberSettings] = [:]
    var openSessions: [InboundBatchPlacement.Conversation: OpenSession] = [:]
}
