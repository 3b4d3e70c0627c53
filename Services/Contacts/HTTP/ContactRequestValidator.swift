import Foundation
import SwitchboardModels
import SwitchboardServiceKit

/// The request bodies of the contacts API and their rules. Phones are normalised to E.164
/// (national numbers read in `SWITCHBOARD_DEFAULT_REGION`), emails by ``EmailNormalizer``;
/// duplicates within one request are dropped, keeping the first.
struct ContactRequestValidator: Sendable {
    let defaultRegion: String

    static let maxNameLength = 200
    static let maxPhones = 20
    static let maxEmails = 20
    static let maxAttributes = 100
    static let maxAttributeKeyLength = 100
    static let maxAttributeValueLength = 2000

    /// `POST /v1/contacts`.
    struct CreateBody: Decodable, Sendable {
        var firstName: String?
        var lastName: String?
        var displayName: String?
        var phones: [String]?
        var emails: [String]?
        var attributes: [String: String]?
    }

    /// `POST /v1/contact-assignments`.
    struct AssignmentBody: Decodable, Sendable {
        var interactionId: String?
        var contactId: String?
        var addPhone: Bool?
    }

    /// `POST /v1/contacts/{id}/merge`.
    struct MergeBody: Decodable, Sendable {
        var sourceId: String?
    }

    func draft(_ body: CreateBody) throws(APIError) -> ContactDraft {
        let draft = ContactDraft(
            firstName: try name("first_name", body.firstName), lastName: try name("last_name", body.lastName),
            displayName: try name("display_name", body.displayName), phones: try phones(body.phones ?? []),
            emails: try emails(body.emails ?? []), attributes: try attributes(body.attributes ?? [:])
        )
        guard
            draft.firstName != nil || draft.lastName != nil || draft.displayName != nil || !draft.phones.isEmpty
                || !draft.emails.isEmpty
        else { throw .invalid("a contact needs a name, a phone number or an email address") }
        return draft
    }

    /// Parses a merge-patch body (a JSON object).
    func patch(json: Data) throws(APIError) -> ContactPatch {
        guard let object = try? JSONSerialization.jsonObject(with: json), let fields = object as? [String: Any] else {
            throw .badRequest("Body is not a JSON object.")
        }
        var patch = ContactPatch()
        for (key, value) in fields {
            switch key {
            case "first_name": patch.firstName = .some(try name(key, try optionalString(key, value)))
            case "last_name": patch.lastName = .some(try name(key, try optionalString(key, value)))
            case "display_name": patch.displayName = .some(try name(key, try optionalString(key, value)))
            case "phones": patch.phones = try phones(try stringList(key, value))
            case "emails": patch.emails = try emails(try stringList(key, value))
            case "attributes":
                if value is NSNull {
                    patch.clearAttributes = true
                    continue
                }
                guard let entries = value as? [String: Any] else { throw .invalid("attributes must be an object of strings") }
                var changes: [String: String?] = [:]
                for (attribute, raw) in entries {
                    if raw is NSNull {
                        changes[attribute] = .some(nil)
                        continue
                    }
                    guard let text = raw as? String else { throw .invalid("attributes.\(attribute) must be a string or null") }
                    changes[attribute] = .some(text)
                }
                _ = try attributes(changes.compactMapValues { $0 }, removing: changes.filter { $0.value == nil }.map(\.key))
                patch.attributes = changes
            case "id", "created_at", "updated_at":
                throw .invalid("\(key) cannot be changed")
            default:
                throw .invalid("unknown field \(key)")
            }
        }
        guard !patch.isEmpty else { throw .invalid("nothing to change") }
        return patch
    }

    /// Checks the limits a patched contact must still meet.
    func check(_ contact: ContactSnapshot) throws(APIError) {
        guard contact.attributes.count <= Self.maxAttributes else { throw .invalid("at most \(Self.maxAttributes) attributes") }
    }

    // MARK: Fields

    func name(_ field: String, _ raw: String?) throws(APIError) -> String? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.count <= Self.maxNameLength else { throw .invalid("\(field) is longer than \(Self.maxNameLength) characters") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("\(field) contains control characters")
        }
        return trimmed
    }

    func phone(_ raw: String, field: String = "phone") throws(APIError) -> String {
        do { return try PhoneNumberNormalizer().normalize(raw, defaultRegion: defaultRegion) } catch {
            throw .invalid("\(field) is not a phone number: \(error.description)")
        }
    }

    func phones(_ raw: [String]) throws(APIError) -> [String] {
        guard raw.count <= Self.maxPhones else { throw .invalid("at most \(Self.maxPhones) phone numbers") }
        var result: [String] = []
        for (index, text) in raw.enumerated() {
            let number = try phone(text, field: "phones[\(index)]")
            if !result.contains(number) { result.append(number) }
        }
        return result
    }

    func email(_ raw: String, field: String = "email") throws(APIError) -> String {
        do { return try EmailNormalizer().normalize(raw) } catch { throw .invalid("\(field) \(error.description)") }
    }

    func emails(_ raw: [String]) throws(APIError) -> [String] {
        guard raw.count <= Self.maxEmails else { throw .invalid("at most \(Self.maxEmails) email addresses") }
        var result: [String] = []
        for (index, text) in raw.enumerated() {
            let address = try email(text, field: "emails[\(index)]")
            if !result.contains(address) { result.append(address) }
        }
        return result
    }

    func attributes(_ raw: [String: String], removing: [String] = []) throws(APIError) -> [String: String] {
        guard raw.count + removing.count <= Self.maxAttributes else { throw .invalid("at most \(Self.maxAttributes) attributes") }
        for key in Array(raw.keys) + removing {
            guard !key.isEmpty, key.count <= Self.maxAttributeKeyLength else {
                throw .invalid("attribute names must be 1 to \(Self.maxAttributeKeyLength) characters")
            }
        }
        for (key, value) in raw where value.count > Self.maxAttributeValueLength {
            throw .invalid("attributes.\(key) is longer than \(Self.maxAttributeValueLength) characters")
        }
        return raw
    }

    func uuid(_ field: String, _ raw: String?) throws(APIError) -> UUID {
        guard let raw, !raw.isEmpty else { throw .invalid("\(field) is required") }
        guard let id = UUID(uuidString: raw) else { throw .invalid("\(field) must be a UUID") }
        return id
    }

    private func optionalString(_ field: String, _ value: Any) throws(APIError) -> String? {
        if value is NSNull { return nil }
        guard let text = value as? String else { throw .invalid("\(field) must be a string or null") }
        return text
    }

    private func stringList(_ field: String, _ value: Any) throws(APIError) -> [String] {
        if value is NSNull { return [] }
        guard let list = value as? [Any] else { throw .invalid("\(field) must be an array of strings") }
        var strings: [String] = []
        for item in list {
            guard let text = item as? String else { throw .invalid("\(field) must be an array of strings") }
            strings.append(text)
        }
        return strings
    }
}
