import Foundation

/// The header rule of Switchboard's tokens: `alg` must be exactly `HS256`.
///
/// jwt-kit verifies the signature with the key's own algorithm whatever the header says,
/// so a token claiming `none`, `HS512` or `RS256` already fails on its signature; checking
/// the header as well refuses such tokens by rule rather than by accident (the RFC 8725
/// advice: "libraries MUST enable the caller to specify a supported set of algorithms"),
/// and keeps it so if the key set ever holds more than one key.
enum JWTHeaderPolicy {
    static let algorithm = "HS256"

    /// Whether the token's header names HS256 (and is a JSON object at all).
    static func accepts(_ token: String) -> Bool {
        guard let end = token.firstIndex(of: "."),
            let data = base64URLDecoded(token[..<end]),
            let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let alg = header["alg"] as? String
        else { return false }
        return alg == algorithm
    }

    private static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
