import Foundation
import SwitchboardModels

/// `GET /v1/contacts?phone=&email=&q=`: filters combine; only active contacts match.
struct ContactFilter: Sendable, Equatable {
    /// E.164.
    var phone: String?
    /// Normalised.
    var email: String?
    /// Name words: each must occur (case-insensitive) in the first, last or display name.
    var words: [String] = []
    var cursor: KeysetCursor?
    var limit: Int = 50
}

/// A page of contacts.
struct ContactPage: Encodable, Sendable {
    var items: [ContactView]
    @ExplicitNull var next: String?

    enum CodingKeys: String, CodingKey { case items, next }
}
