import Foundation

/// Redirects are followed by hand, so that each hop is checked like the first URL
/// (issue #7): at most ``maxRedirects`` of them, only `301`, `302`, `303`, `307` and `308`,
/// never from `https` down to `http` nor to another scheme, and the next hop's host goes
/// through the address check again before anything connects to it (the fetcher does that).
/// Carrier credentials are sent only to the original URL's origin (``sendsCredentials``).
struct RedirectPolicy: Sendable {
    var maxRedirects = 3

    enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case tooManyRedirects(Int)
        case missingLocation(Int)
        case schemeDowngrade
        case invalidLocation(FetchURL.Refusal)

        var description: String {
            switch self {
            case .tooManyRedirects(let count): "more than \(count) redirects"
            case .missingLocation(let status): "redirect \(status) without a Location header"
            case .schemeDowngrade: "redirect from https to http refused"
            case .invalidLocation(let refusal): "redirect refused: \(refusal.description)"
            }
        }
    }

    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    static func isRedirect(_ status: Int) -> Bool { redirectStatuses.contains(status) }

    /// The next URL after `current` answered `status` with `location`, when `followed`
    /// redirects were already followed.
    func next(from current: FetchURL, status: Int, location: String?, followed: Int) throws(Refusal) -> FetchURL {
        guard followed < maxRedirects else { throw .tooManyRedirects(maxRedirects) }
        guard let location, !location.trimmingCharacters(in: .whitespaces).isEmpty else { throw .missingLocation(status) }
        let next: FetchURL
        do { next = try current.resolving(location) } catch { throw .invalidLocation(error) }
        if current.scheme == .https, next.scheme == .http { throw .schemeDowngrade }
        return next
    }

    /// Credentials go to the origin (scheme, host, port) of the URL they were configured
    /// for, never to a host a redirect points at.
    func sendsCredentials(to url: FetchURL, original: FetchURL) -> Bool {
        url.origin == original.origin
    }
}
