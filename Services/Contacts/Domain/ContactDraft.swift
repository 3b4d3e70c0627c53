import Foundation

/// A validated `POST /v1/contacts`.
struct ContactDraft: Sendable, Equatable {
    var firstName: String?
    var lastName: String?
    var displayName: String?
    /// E.164, without duplicates.
    var phones: [String]
    /// Normalised, without duplicates.
    var emails: [String]
    var attributes: [String: String]
}

/// A validated `PATCH /v1/contacts/{id}` (JSON merge patch, RFC 7386): nil means
/// "unchanged"; `.some(nil)` clears a name; `phones` and `emails` replace the lists;
/// `attributes` sets (string) or removes (`null`) keys, and `"attributes": null` removes all.
struct ContactPatch: Sendable, Equatable {
    var firstName: String??
    var lastName: String??
    var displayName: String??
    var phones: [String]?
    var emails: [String]?
    var attributes: [String: String?]?
    /// `"attributes": null`: every attribute removed (before `attributes` applies).
    var clearAttributes = false

    var isEmpty: Bool {
        firstName == nil && lastName == nil && displayName == nil && phones == nil && emails == nil && attributes == nil
            && !clearAttributes
    }

    /// The contact with the patch applied (not yet versioned or timestamped).
    func applied(to contact: ContactSnapshot) -> ContactSnapshot {
        var changed = contact
        if let firstName { changed.firstName = firstName }
        if let lastName { changed.lastName = lastName }
        if let displayName { changed.explicitDisplayName = displayName }
        if let phones { changed.phones = phones }
        if let emails { changed.emails = emails }
        if clearAttributes { changed.attributes = [:] }
        if let attributes {
            for (key, value) in attributes {
                if let value { changed.attributes[key] = value } else { changed.attributes.removeValue(forKey: key) }
            }
        }
        return changed
    }
}
