import Foundation
import SwitchboardModels

/// A contact as the API returns it (docs/architecture.md section 3): every key always present,
/// `null` when unset.
struct ContactView: Encodable, Sendable, Equatable {
    var id: String
    @ExplicitNull var firstName: String?
    @ExplicitNull var lastName: String?
    @ExplicitNull var displayName: String?
    var phones: [String]
    var emails: [String]
    var attributes: [String: String]
    var createdAt: Date
    var updatedAt: Date

    init(_ contact: ContactSnapshot) {
        id = contact.idString
        firstName = contact.firstName
        lastName = contact.lastName
        displayName = contact.displayName
        phones = contact.phones
        emails = contact.emails
        attributes = contact.attributes
        createdAt = contact.createdAt
        updatedAt = contact.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, firstName, lastName, displayName, phones, emails, attributes, createdAt, updatedAt
    }
}
