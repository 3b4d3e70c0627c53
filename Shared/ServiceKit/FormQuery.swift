import Foundation
public import Hummingbird
public import HummingbirdCore

/// Query parameters decoded as browsers and HTTP clients encode them
/// (`application/x-www-form-urlencoded`): `+` is a space, `%2B` a plus. Hummingbird's
/// `queryParameters` leaves `+` as is, which would turn `(415) 555-0100` sent by a client
/// into `(415)+555-0100`.
public enum FormQuery {
    public static func parameters(of uri: URI) -> Parameters {
        guard let query = uri.query, !query.isEmpty else { return Parameters() }
        var pairs: [(key: Substring, value: Substring)] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            pairs.append((key: key[...], value: value[...]))
        }
        return Parameters(pairs)
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
