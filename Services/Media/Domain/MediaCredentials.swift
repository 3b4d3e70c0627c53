import Foundation

/// HTTP basic credentials of one channel (a carrier's media URLs may need them, e.g.
/// Twilio's with HTTP authentication enforced), and the origins they may be sent to.
///
/// Why the origins: a `media.fetch` names its URL, and the URL comes from whoever sent the
/// inbound message — a carrier's signed webhook, but also `POST /v1/inbound` or a publisher
/// to `switchboard.inbound`. Sent to whatever origin the URL named, a channel's credentials
/// (for Twilio the account SID and auth token: the whole account, and the key that signs its
/// webhooks) would go to any host an inbound message points at. So they go only to a URL
/// on one of the channel's configured origins, over https (plain http only to a loopback
/// host, for development and tests), and never to a host a redirect points at
/// (``RedirectPolicy/sendsCredentials(to:original:)``). A URL elsewhere is fetched without
/// them.
struct MediaCredentials: Sendable, Equatable, CustomStringConvertible {
    var user: String
    var password: String
    /// `scheme://host:port`, as ``FetchURL/origin`` writes it.
    private(set) var origins: Set<String>

    /// The JSON of one channel in `SWITCHBOARD_MEDIA_CREDENTIALS`.
    struct Written: Decodable, Sendable {
        var user: String
        var password: String
        var origins: [String]?
    }

    /// Why a channel's entry was refused; never holds the password.
    enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case noOrigins
        /// The position in `origins` (1-based), not the text: it could hold a secret
        /// (`https://user:token@host`).
        case notAnOrigin(position: Int)
        case cleartext(String)

        var description: String {
            switch self {
            case .noOrigins:
                #""origins" must list the origins its media URLs are on, e.g. ["https://api.twilio.com"]"#
            case .notAnOrigin(let position): "origin \(position) is not an origin (scheme://host[:port], nothing after it, no user information)"
            case .cleartext(let origin): "\(origin) is plain http: credentials go over https only (http only to a loopback host)"
            }
        }
    }

    init(_ written: Written) throws(Refusal) {
        guard let listed = written.origins, !listed.isEmpty else { throw .noOrigins }
        var origins = Set<String>()
        for (offset, text) in listed.enumerated() {
            let url: FetchURL
            do { url = try FetchURL(parsing: text) } catch { throw .notAnOrigin(position: offset + 1) }
            guard url.target == "/", !text.contains("?"), !text.contains("#"), !Self.hasPath(text) else {
                throw .notAnOrigin(position: offset + 1)
            }
            guard url.scheme == .https || Self.isLoopback(url) else { throw .cleartext(url.origin) }
            origins.insert(url.origin)
        }
        self.init(user: written.user, password: written.password, origins: origins)
    }

    init(user: String, password: String, origins: Set<String>) {
        self.user = user
        self.password = password
        self.origins = origins
    }

    var authorization: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

    /// Whether a request to `url` may carry these credentials: its origin is one of the channel's.
    func mayBeSent(to url: FetchURL) -> Bool {
        origins.contains(url.origin)
    }

    /// Never the password.
    var description: String { "MediaCredentials(user: \(user), password: ***, origins: \(origins.sorted()))" }

    /// `https://host/` is an origin; `https://host/media` is not.
    private static func hasPath(_ text: String) -> Bool {
        guard let authority = text.range(of: "://") else { return false }
        let rest = text[authority.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return false }
        return rest.index(after: slash) != rest.endIndex
    }

    private static func isLoopback(_ url: FetchURL) -> Bool {
        switch url.address {
        case .v4(let bits): bits >> 24 == 127
        case .v6(let bytes): bytes == Array(repeating: 0, count: 15) + [1]
        case nil: url.host == "localhost"
        }
    }
}
