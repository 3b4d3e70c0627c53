import Foundation

/// An `http` or `https` URL the fetcher may request, parsed strictly: one reading of the
/// host that the address check and the connection both use, so no parser difference
/// between them can be exploited.
///
/// Refused: other schemes, user info (`user:pass@host`: credentials come only from the
/// configuration), backslashes, control characters and spaces, percent-encoded or
/// non-ASCII hosts (IDNs arrive as punycode), zone ids, ports outside 1–65535, and hosts
/// that look like IPv4 but are not valid (`1.2.3.4.5`, `0x1g.0.0.1`).
struct FetchURL: Sendable, Equatable, CustomStringConvertible {
    enum Scheme: String, Sendable {
        case http, https

        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    let scheme: Scheme
    /// Lower case; IPv4 in dotted decimal whatever form it was written in; IPv6 without brackets.
    let host: String
    let port: Int
    /// Path and query, starting with `/`, without the fragment.
    let target: String
    /// Set when the host is an IP literal.
    let address: IPAddress?

    enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case unsupportedScheme(String)
        case malformed(String)
        case credentialsInURL

        var description: String {
            switch self {
            case .unsupportedScheme(let scheme): "scheme \(scheme) is not allowed (http and https only)"
            case .malformed(let reason): "malformed URL: \(reason)"
            case .credentialsInURL: "URLs with user information are not allowed"
            }
        }
    }

    init(parsing text: String) throws(Refusal) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 4096 else { throw .malformed("empty or longer than 4096 bytes") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else {
            throw .malformed("control characters or spaces")
        }
        guard !text.contains("\\") else { throw .malformed("backslash") }
        guard let colon = text.firstIndex(of: ":") else { throw .malformed("no scheme") }
        let schemeText = text[..<colon].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw .unsupportedScheme(schemeText.isEmpty ? "(none)" : String(schemeText.prefix(20)))
        }
        let rest = text[text.index(after: colon)...]
        guard rest.hasPrefix("//") else { throw .malformed("no authority (//host)") }
        let afterSlashes = rest.dropFirst(2)
        let authorityEnd = afterSlashes.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterSlashes.endIndex
        let authority = afterSlashes[..<authorityEnd]
        guard !authority.contains("@") else { throw .credentialsInURL }

        var hostText: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .malformed("unclosed [") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed("text after ]") }
                portText = after.dropFirst()
            }
            guard let bytes = IPAddress.parseIPv6(String(hostText)) else { throw .malformed("invalid IPv6 address") }
            self.address = .v6(bytes)
            self.host = IPAddress.v6(bytes).description
        } else {
            if let portColon = authority.lastIndex(of: ":") {
                hostText = authority[..<portColon]
                portText = authority[authority.index(after: portColon)...]
            } else {
                hostText = authority
            }
            let lowered = hostText.lowercased()
            guard AddressPolicy.isHostName(lowered) else { throw .malformed("invalid host") }
            switch IPAddress.parseIPv4(lowered) {
            case .address(let value):
                self.address = .v4(value)
                self.host = IPAddress.v4(value).description
            case .invalid:
                throw .malformed("host looks like an IPv4 address but is not one")
            case .notIPv4:
                self.address = nil
                self.host = AddressPolicy.canonicalHost(lowered)
                guard !self.host.isEmpty else { throw .malformed("empty host") }
            }
        }
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), (1...65535).contains(port)
            else { throw .malformed("invalid port") }
            self.port = port
        } else {
            self.port = scheme.defaultPort
        }
        self.scheme = scheme
        var target = afterSlashes[authorityEnd...]
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        if target.hasPrefix("?") || target.isEmpty { target = "/" + target }
        self.target = Self.encodeNonASCII(String(target))
    }

    init(scheme: Scheme, host: String, port: Int, target: String, address: IPAddress?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = target
        self.address = address
    }

    /// `scheme://host:port`: credentials go only to the original URL's origin.
    var origin: String { "\(scheme.rawValue)://\(hostForHeader):\(port)" }

    /// The `Host` header: brackets around IPv6, the port when it is not the default.
    var hostHeader: String { port == scheme.defaultPort ? hostForHeader : "\(hostForHeader):\(port)" }

    private var hostForHeader: String {
        if case .v6 = address { return "[\(host)]" }
        return host
    }

    var description: String { "\(scheme.rawValue)://\(hostHeader)\(target)" }

    /// The URL without its query, for logs (a query may hold tokens).
    var redacted: String {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        return "\(scheme.rawValue)://\(hostHeader)\(path)"
    }

    /// Resolves a `Location` header against this URL (RFC 3986 section 5.2): absolute,
    /// scheme-relative (`//host/p`), absolute-path (`/p`), query-only (`?q`) and relative
    /// (`a/b`, `../c`) references. The result is parsed as strictly as the original.
    func resolving(_ reference: String) throws(Refusal) -> FetchURL {
        let reference = reference.trimmingCharacters(in: .whitespaces)
        if let colon = reference.firstIndex(of: ":"), Self.isScheme(reference[..<colon]) {
            return try FetchURL(parsing: reference)
        }
        if reference.hasPrefix("//") {
            return try FetchURL(parsing: "\(scheme.rawValue):\(reference)")
        }
        guard !reference.contains("\\") else { throw .malformed("backslash") }
        guard !reference.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else {
            throw .malformed("control characters or spaces")
        }
        var relative = Substring(reference)
        if let hash = relative.firstIndex(of: "#") { relative = relative[..<hash] }
        let (basePath, _) = Self.split(target)
        let newTarget: String
        if relative.isEmpty {
            newTarget = target
        } else if relative.hasPrefix("?") {
            newTarget = basePath + relative
        } else {
            let (path, query) = Self.split(String(relative))
            let merged: String
            if path.hasPrefix("/") {
                merged = path
            } else {
                let directory = basePath.lastIndex(of: "/").map { String(basePath[...$0]) } ?? "/"
                merged = directory + path
            }
            newTarget = Self.removeDotSegments(merged) + (query.map { "?" + $0 } ?? "")
        }
        return FetchURL(scheme: scheme, host: host, port: port, target: Self.encodeNonASCII(newTarget), address: address)
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0))
        }
    }

    private static func split(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// RFC 3986 section 5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if output.count > 1 { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        var result = output.joined(separator: "/")
        if !result.hasPrefix("/") { result = "/" + result }
        return result
    }

    /// Percent-encodes bytes outside printable ASCII (a Location may carry raw UTF-8).
    private static func encodeNonASCII(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return text }
        var result = ""
        for byte in text.utf8 {
            if byte > 0x20 && byte < 0x7f {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
