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

/// A merge record as the API returns it: `{id, target_id, source_id, at, undone_at}` and
/// the contacts as the operation left them.
struct MergeView: Encodable, Sendable {
    var id: String
    var targetId: String
    var sourceId: String
    var at: Date
    @ExplicitNull var undoneAt: Date?
    var target: ContactView
    /// After an undo: the restored source.
    @ExplicitNull var source: ContactView?

    init(_ audit: MergeAudit, target: ContactSnapshot, source: ContactSnapshot?) {
        id = audit.idString
        targetId = audit.targetID.uuidString.lowercased()
        sourceId = audit.sourceID.uuidString.lowercased()
        at = audit.at
        undoneAt = audit.undoneAt
        self.target = ContactView(target)
        self.source = source.map(ContactView.init)
    }

    enum CodingKeys: String, CodingKey { case id, targetId, sourceId, at, undoneAt, target, source }
}
