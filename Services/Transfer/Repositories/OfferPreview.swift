import Foundation
import SwitchboardModels

/// `{"from", "text", "origin", "case_data", "contact"}`: what the desktop shows before
/// accepting (docs/architecture.md section 10.3). `text` is the latest inbound text (null
/// until its entry reached transfer), `contact` the contact once contacts identified it or
/// an agent assigned one (null before, or when nobody knows the number).
struct OfferPreview: Codable, Sendable, Equatable {
    @ExplicitNull var from: String?
    @ExplicitNull var text: String?
    @ExplicitNull var origin: String?
    var caseData: [String: String]
    @ExplicitNull var contact: ContactRef?

    init(from: String?, text: String?, origin: String?, caseData: [String: String], contact: ContactRef? = nil) {
        self.from = from
        self.text = text
        self.origin = origin
        self.caseData = caseData
        self.contact = contact
    }
}
