import Foundation
import Hummingbird
import SwitchboardModels
import SwitchboardServiceKit

/// Parses the queries of `GET /v1/contacts` (`phone` in any common format, `email`, `q`
/// name words, `cursor`, `limit` 1–200, default 50), `GET /v1/contacts/{id}/history`
/// (`since` RFC 3339, `cursor`, `limit`) and `GET /v1/merges` (`contact_id` required,
/// `cursor`, `limit`).
struct ContactQuery: Sendable {
    let validator: ContactRequestValidator

    static let maxWords = 10

    func filter(from parameters: Parameters) throws(APIError) -> ContactFilter {
        var filter = ContactFilter()
        if let raw = value(parameters, "phone") { filter.phone = try validator.phone(raw) }
        if let raw = value(parameters, "email") { filter.email = try validator.email(raw) }
        if let raw = value(parameters, "q") {
            let words = raw.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            guard words.count <= Self.maxWords else { throw .invalid("q has more than \(Self.maxWords) words") }
            filter.words = words
        }
        filter.cursor = try cursor(parameters)
        filter.limit = try limit(parameters)
        return filter
    }

    /// All of it is checked before the contact is looked up, so a malformed query is 422
    /// whether or not the contact exists.
    func mergeFilter(from parameters: Parameters) throws(APIError) -> MergeFilter {
        let contactID = try validator.uuid("contact_id", value(parameters, "contact_id"))
        return MergeFilter(contactID: contactID, cursor: try cursor(parameters), limit: try limit(parameters))
    }

    func since(from parameters: Parameters) throws(APIError) -> Date? {
        guard let raw = value(parameters, "since") else { return nil }
        guard let date = RFC3339.date(from: raw) else { throw .invalid("since must be an RFC 3339 time") }
        return date
    }

    func cursor(_ parameters: Parameters) throws(APIError) -> KeysetCursor? {
        guard let raw = value(parameters, "cursor") else { return nil }
        guard let cursor = KeysetCursor(encoded: raw) else { throw .invalid("cursor is not valid") }
        return cursor
    }

    func limit(_ parameters: Parameters) throws(APIError) -> Int {
        guard let raw = value(parameters, "limit") else { return 50 }
        guard let limit = Int(raw), (1...200).contains(limit) else { throw .invalid("limit must be 1 to 200") }
        return limit
    }

    private func value(_ parameters: Parameters, _ name: String) -> String? {
        guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
        return raw
    }
}
