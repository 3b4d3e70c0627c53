import Foundation

/// A validated `POST /v1/callbacks`: what ``CallbackCommands/schedule(_:by:traceparent:on:)``
/// stores. Built by ``CallbackRequestValidator``, so every field already follows the rules.
struct CallbackDraft: Sendable, Equatable {
    /// E.164.
    var phone: String
    var contactID: String?
    var interactionID: UUID?
    var due: DueTimePolicy.Resolved
    var target: CallbackTarget
    var channel: CallbackChannel
    var notes: String?
}
