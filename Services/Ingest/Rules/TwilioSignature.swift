import Foundation

/// Verifies `X-Twilio-Signature` exactly as Twilio specifies it
/// (https://www.twilio.com/docs/usage/security#validating-requests):
///
/// 1. the full URL Twilio requested (scheme, host, port if any, path, query string);
/// 2. for an `application/x-www-form-urlencoded` POST, the POST parameters sorted by name
///    (then by value, for repeated names; Unicode code point order), each name
///    immediately followed by its value, appended to the URL with no separator;
/// 3. HMAC-SHA1 of that string keyed with the account's auth token, base64-encoded;
/// 4. compared in constant time with the header.
///
/// A JSON body is not part of the string: the URL carries `bodySHA256` (hex SHA-256 of the
/// raw body), which must match the body, and the signature is over the URL alone.
///
/// As Twilio's own libraries do, the URL is also tried with the scheme's default port
/// added (`:443` for https, `:80` for http) when it has none, and removed when it has it,
/// because proxies disagree about whether Twilio's `Host` carried it. Other ports are
/// never added or removed.
struct TwilioSignature: Sendable {
    enum Body: Sendable {
        /// A form-encoded POST: its parameters are signed.
        case form(FormFields)
        /// A JSON (or other non-form) body: the URL's `bodySHA256` must be its hash.
        case raw([UInt8])
        /// No body (GET): only the URL is signed.
        case none
    }

    let digests: any SignatureDigests

    /// The signature Twilio would send for this URL and these form parameters.
    func signature(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        let mac = digests.hmacSHA1(key: Array(authToken.utf8), message: Array(Self.stringToSign(url: url, parameters: parameters).utf8))
        return Data(mac).base64EncodedString()
    }

    /// Whether `header` is a valid signature of this request.
    func isValid(header: String?, url: String, body: Body, authToken: String) -> Bool {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty, !authToken.isEmpty else { return false }
        let parameters: [(name: String, value: String)]
        switch body {
        case .form(let fields):
            parameters = fields.pairs
        case .raw(let bytes):
            // A body that is not form-encoded is signed through its hash in the URL.
            guard let claimed = Self.queryValue("bodySHA256", in: url) else { return false }
            let actual = Hex.string(digests.sha256(bytes))
            guard ConstantTime.equal(Array(claimed.lowercased().utf8), Array(actual.utf8)) else { return false }
            parameters = []
        case .none:
            parameters = []
        }
        var valid = false
        for candidate in Self.urlVariants(url) {
            // Every candidate is computed and compared, whichever matches.
            let expected = signature(url: candidate, parameters: parameters, authToken: authToken)
            valid = ConstantTime.equal(Array(expected.utf8), Array(header.utf8)) || valid
        }
        return valid
    }

    /// The URL followed by each parameter's name and value, sorted by name then value.
    static func stringToSign(url: String, parameters: [(name: String, value: String)]) -> String {
        let sorted = parameters.sorted { left, right in
            if left.name != right.name { return left.name.unicodeScalars.lexicographicallyPrecedes(right.name.unicodeScalars) }
            return left.value.unicodeScalars.lexicographicallyPrecedes(right.value.unicodeScalars)
        }
        var text = url
        for parameter in sorted {
            text += parameter.name
            text += parameter.value
        }
        return text
    }

    /// The URL as given, plus the same URL with the scheme's default port added (when it
    /// has no port) or removed (when it has exactly the default port).
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard let defaultPort = ["https": "443", "http": "80"][scheme] else { return [url] }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        let rest = afterScheme[authorityEnd...]
        let prefix = url[..<schemeEnd.upperBound]
        let userInfoEnd = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let userInfo = authority[..<userInfoEnd]
        let hostPort = authority[userInfoEnd...]
        let host: Substring
        let port: Substring?
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = hostPort[...close]
            let after = hostPort[hostPort.index(after: close)...]
            port = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            port = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
            port = nil
        }
        if let port {
            guard port == defaultPort || port.isEmpty else { return [url] }
            return [url, String(prefix + userInfo + host + rest)]
        }
        return [url, String(prefix + userInfo + host + ":" + defaultPort + rest)]
    }

    /// The first value of a query parameter of `url`, decoded.
    static func queryValue(_ name: String, in url: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return FormFields(encoded: query)[name]
    }
}
