import Foundation
import SwitchboardModels

/// What an offer of kind `callback` shows (docs/architecture.md section 10.3): whom to text
/// back, why (the notes), for whom it was scheduled, and the interaction it came from, so the
/// desktop can open an agent-initiated conversation and complete the callback without
/// another lookup. A snapshot taken when the callback fell due, kept on the offer.
struct CallbackSummary: Codable, Sendable, Equatable {
    /// `{"type": "agent" | "queue", "id"}`, as the callback service names it.
    struct Target: Codable, Sendable, Equatable, Hashable {
        var type: String
        var id: String
    }

    var id: String
    var phone: String
    @ExplicitNull var contactId: String?
    @ExplicitNull var interactionId: String?
    @ExplicitNull var notes: String?
    var dueAt: Date
    var target: Target
    var scheduledBy: String
    @ExplicitNull var scheduledByName: String?

    /// The offer's preview: the number to text, the notes as its text, origin `callback`.
    var preview: OfferPreview {
        OfferPreview(from: phone, text: notes, origin: "callback", caseData: [:], contact: contactId.map { ContactRef(id: $0, name: nil) })
    }
}
