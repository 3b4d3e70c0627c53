import Foundation

/// A `media.failed` that arrived before its message reached a transcript (see
/// ``PostgresInteractionStore/parkMediaFailure(messageID:index:reason:at:on:logger:)``).
struct ParkedMediaFailure: Sendable, Equatable {
    var index: Int
    var reason: String
    var failedAt: Date
}
