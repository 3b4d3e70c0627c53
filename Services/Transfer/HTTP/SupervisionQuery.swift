import Foundation
import Hummingbird
import SwitchboardServiceKit

/// Parses and validates the query of the supervisor lists (`GET /v1/agents`,
/// `GET /v1/queues`): `cursor` (a ``DirectoryCursor``), `limit` 1–200 (default 50) and, for
/// agents, `queue` (a directory id). An empty parameter counts as absent; each 422 names
/// the parameter.
struct SupervisionQuery: Sendable {
    func page(from parameters: Parameters) throws(APIError) -> DirectoryPageRequest {
        var page = DirectoryPageRequest()
        if let raw = value("cursor", parameters) {
            guard let cursor = DirectoryCursor(encoded: raw) else { throw .invalid("cursor is not valid") }
            page.after = cursor.id
        }
        if let raw = value("limit", parameters) {
            guard let limit = Int(raw), (1...DirectoryPageRequest.maxLimit).contains(limit) else {
                throw .invalid("limit must be 1 to \(DirectoryPageRequest.maxLimit)")
            }
            page.limit = limit
        }
        return page
    }

    /// The `queue` filter, or nil for every agent.
    func queue(from parameters: Parameters) throws(APIError) -> String? {
        guard let queue = value("queue", parameters) else { return nil }
        guard DirectoryRules.isValidID(queue) else {
            throw .invalid("queue must be a queue id: 1 to \(DirectoryRules.maxIDLength) letters, digits, '-', '_', '.' or '@'")
        }
        return queue
    }

    private func value(_ name: String, _ parameters: Parameters) -> String? {
        guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
        return raw
    }
}
