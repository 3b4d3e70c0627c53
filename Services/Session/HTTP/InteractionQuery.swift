import Foundation
import Hummingbird
import SwitchboardModels
import SwitchboardServiceKit

/// Parses and validates the query of `GET /v1/interactions` (numbers in any common
/// format, `owner=me`, a queue id, `state=open`, RFC 3339 times, cursor, limit 1–200); each
/// 422 names the parameter.
struct InteractionQuery: Sendable {
    let defaultRegion: String
    /// Every state of ``InteractionState`` (`offered` too, whether or not a row has it yet),
    /// and `open` for all but `closed`.
    static let states = ["queued", "offered", "active", "closed", "open"]

    func filter(from parameters: Parameters, callerID: String) throws(APIError) -> InteractionFilter {
        func value(_ name: String) -> String? {
            guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
            return raw
        }
        let normalizer = PhoneNumberNormalizer()
        func number(_ name: String) throws(APIError) -> String? {
            guard let raw = value(name) else { return nil }
            do { return try normalizer.normalizeAddress(raw, defaultRegion: defaultRegion) } catch {
                throw .invalid("\(name) is not a phone number: \(error.description)")
            }
        }
        func time(_ name: String) throws(APIError) -> Date? {
            guard let raw = value(name) else { return nil }
            guard let date = RFC3339.date(from: raw) else { throw .invalid("\(name) must be an RFC 3339 time") }
            return date
        }
        let queue = value("queue")
        if let queue, !NumberSettings.isValidQueue(queue) {
            throw .invalid("queue must be a queue id: 1 to 64 letters, digits, '-', '_' or '.'")
        }
        let state = value("state")
        if let state, !Self.states.contains(state) {
            throw .invalid("state must be one of \(Self.states.joined(separator: ", "))")
        }
        var owner = value("owner")
        if owner == "me" { owner = callerID }
        var cursor: KeysetCursor?
        if let raw = value("cursor") {
            guard let parsed = KeysetCursor(encoded: raw) else { throw .invalid("cursor is not valid") }
            cursor = parsed
        }
        var limit = 50
        if let raw = value("limit") {
            guard let parsed = Int(raw), (1...200).contains(parsed) else { throw .invalid("limit must be 1 to 200") }
            limit = parsed
        }
        return InteractionFilter(
            from: try number("from"), to: try number("to"), contactID: value("contact_id"), ownerID: owner, queue: queue, state: state,
            createdAfter: try time("created_after"), createdBefore: try time("created_before"), cursor: cursor, limit: limit
        )
    }
}
