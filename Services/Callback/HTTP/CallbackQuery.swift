import Foundation
import Hummingbird
import SwitchboardModels
import SwitchboardServiceKit

/// Parses and validates the query of `GET /v1/callbacks`: `state`, `target` (`agent:kate`
/// or `queue:sales`), `due_before` (RFC 3339), `cursor`, `limit` (1–200, default 50).
struct CallbackQuery: Sendable {
    func filter(from parameters: Parameters) throws(APIError) -> CallbackFilter {
        func value(_ name: String) -> String? {
            guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
            return raw
        }
        var state: CallbackState?
        if let raw = value("state") {
            guard let parsed = CallbackState(rawValue: raw) else {
                throw .invalid("state must be one of \(CallbackState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            state = parsed
        }
        var target: CallbackTarget?
        if let raw = value("target") {
            guard let parsed = CallbackTarget(parameter: raw) else { throw .invalid("target must be agent:<id> or queue:<id>") }
            target = parsed
        }
        var dueBefore: Date?
        if let raw = value("due_before") {
            guard let parsed = RFC3339.date(from: raw) else { throw .invalid("due_before must be an RFC 3339 time") }
            dueBefore = parsed
        }
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
        return CallbackFilter(state: state, target: target, dueBefore: dueBefore, cursor: cursor, limit: limit, visibleTo: nil)
    }
}
