import Foundation

/// An inbound message appended to an interaction's transcript (`interaction.message.appended`
/// of a customer's message), as transfer applies it: the offers' preview and the desk's
/// transcript entry.
struct InboundMessageAppended: Sendable, Equatable {
    let interactionID: UUID
    /// The message's text: the interaction's preview.
    let text: String
    /// The desk feed's transcript event (`{"entry":…,"interaction_id":…}`).
    let transcript: String
}
