import Foundation

/// `GET /v1/contacts?phone=&email=&q=`: filters combine; only active contacts match.
struct ContactFilter: Sendable, Equatable {
    /// E.164.
    var phone: String?
    /// Normalised.
    var email: String?
    /// Name words: each must occur (case-insensitive) in the first, last or display name.
    var words: [String] = []
    var cursor: ContactCursor?
    var limit: Int = 50
}

/// A page of contacts.
struct ContactPage: Encodable, Sendable {
    var items: [ContactView]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }

    enum CodingKeys: String, CodingKey { case items, next }
}
