import Foundation

/// A contact exactly as stored: what merges and their undo work on, and what a merge's
/// audit record keeps of both contacts (encoded as JSON). Pure value, no I/O.
///
/// `version` grows by one with every change of the contact (edit, delete, phone added,
/// merge, undo); an undo is only safe while the versions are those the merge left.
struct ContactSnapshot: Codable, Sendable, Equatable {
    enum State: String, Codable, Sendable, CaseIterable {
        case active
        /// Merged into `mergedInto`; read answers 301 to it.
        case merged
        /// A tombstone: personal data erased, the id kept for history.
        case deleted
    }

    var id: UUID
    var state: State
    var firstName: String?
    var lastName: String?
    /// The display name as given; nil means derived (see ``displayName``).
    var explicitDisplayName: String?
    /// E.164, in the order given; unique across contacts.
    var phones: [String]
    /// Normalised (``EmailNormalizer``), in the order given; unique across contacts.
    var emails: [String]
    var attributes: [String: String]
    var mergedInto: UUID?
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    var idString: String { id.uuidString.lowercased() }

    /// The name shown for the contact: the explicit display name, else first and last name,
    /// else the first email address, else the first phone number; nil for a tombstone.
    var displayName: String? {
        ContactName.display(explicit: explicitDisplayName, first: firstName, last: lastName, emails: emails, phones: phones)
    }

    /// The tombstone of `DELETE`: every piece of personal data dropped, the id kept.
    func tombstone(at: Date) -> ContactSnapshot {
        var erased = self
        erased.state = .deleted
        erased.firstName = nil
        erased.lastName = nil
        erased.explicitDisplayName = nil
        erased.phones = []
        erased.emails = []
        erased.attributes = [:]
        erased.version += 1
        erased.updatedAt = at
        return erased
    }
}

/// How the display name is derived.
enum ContactName {
    static func display(explicit: String?, first: String?, last: String?, emails: [String], phones: [String]) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        let joined = [first, last].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        if !joined.isEmpty { return joined }
        return emails.first ?? phones.first
    }
}

/// Contact times at the database's precision (microseconds), with one canonical `Date` per
/// microsecond: a time written and read back is the very same `Date`, so a response built
/// from what was written and a later read show the same RFC 3339 text, and an undo restores
/// timestamps exactly. (Binding `Date` directly truncates a possibly inexact product to
/// microseconds, which can drift by one on each round trip.)
enum ContactTime {
    static func now() -> Date { date(microseconds: microseconds(Date())) }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }
}
