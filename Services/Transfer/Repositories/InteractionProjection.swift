import Foundation
import SwitchboardModels

struct InteractionProjection: Sendable, Equatable {
    var id: UUID
    var queue: String
    var state: ProjectionState
    /// The owner in session (what `interaction.assigned` last said).
    var ownerID: String?
    var ownerName: String?
    /// The agent whose accepted offer awaits its `interaction.assigned`.
    var assigningTo: String?
    /// The transfer a queued interaction came from (to a queue or routing point).
    var transferID: UUID?
    var fromNumber: String?
    var origin: String?
    var mode: String?
    var media: String?
    /// `interaction.created` does not carry the first message's text: nil until an event
    /// does (none does today).
    var previewText: String?
    var caseData: [String: String]
    /// The contact, from `contact.identified` / `contact.assigned`.
    var contactID: String? = nil
    var contactName: String? = nil
    var queuedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var closedAt: Date?

    var idString: String { id.uuidString.lowercased() }

    var preview: OfferPreview {
        OfferPreview(
            from: fromNumber, text: previewText, origin: origin, caseData: caseData, contact: contactID.map { ContactRef(id: $0, name: contactName) })
    }
}
