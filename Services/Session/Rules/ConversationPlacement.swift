import Foundation

/// Where an inbound message goes: the rule of docs/architecture.md section 4, without I/O.
enum ConversationPlacement: Equatable, Sendable {
    /// Append to this open session.
    case join(interactionID: UUID)
    /// Open a new interaction.
    case open

    /// In Session mode a message joins the open session between the two numbers, if any;
    /// in Page mode every message is its own interaction.
    static func decide(mode: InteractionMode, openSessionID: UUID?) -> ConversationPlacement {
        switch (mode, openSessionID) {
        case (.session, .some(let id)): .join(interactionID: id)
        default: .open
        }
    }
}
