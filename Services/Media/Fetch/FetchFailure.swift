/// Why fetching a media item failed. A transient failure (5xx, 408/429, timeout, connection
/// refused or reset, DNS temporarily failing) is retried with backoff; a permanent one
/// (refused address or scheme, 4xx, too large, too many redirects) ends the fetch, and
/// after the last attempt a transient one does too: either way `media.failed` carries the
/// ``reason``.
enum FetchFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case permanent(String)
    case transient(String)

    var reason: String {
        switch self {
        case .permanent(let reason), .transient(let reason): reason
        }
    }

    var isTransient: Bool {
        if case .transient = self { return true }
        return false
    }

    var description: String { reason }
}
