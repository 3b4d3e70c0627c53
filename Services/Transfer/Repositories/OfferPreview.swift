import Foundation
import SwitchboardModels

/// `{"from", "text", "origin", "case_data"}`: what the desktop shows before accepting.
/// `text` is null: the first message's text is not in `interaction.created`.
struct OfferPreview: Codable, Sendable, Equatable {
    @ExplicitNull var from: String?
    @ExplicitNull var text: String?
    @ExplicitNull var origin: String?
    var caseData: [String: String]
}
