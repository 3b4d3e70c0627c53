import Foundation
import Hummingbird
import SwitchboardModels

/// Refuses a request whose path or query carries an encoded NUL (`%00`) with 422
/// `invalid_character` naming the query parameter (or the path), before any route runs,
/// so no search parameter or path segment of any service can take one to the database
/// (``NULCharacter``). Bodies are checked where they are decoded (``JSONBody``).
///
/// Carrier webhooks (`/v1/webhooks/…`) are the exception for the query: carriers send
/// binary fields percent-encoded there (Kannel's `udh` starts with `%05%00%03`, 8-bit
/// text), which ingest's carrier parsers decode; what they make of them passes the inbound
/// validator, which refuses a NUL in any text field.
struct NULCharacterMiddleware<Context: RequestContext>: RouterMiddleware {
    static var binaryQueryPrefix: String { "/v1/webhooks/" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if NULCharacter.isEncoded(in: request.uri.path) { throw APIError.nulCharacter(in: "The path") }
        if let query = request.uri.query, !request.uri.path.hasPrefix(Self.binaryQueryPrefix), NULCharacter.isEncoded(in: query) {
            throw APIError.nulCharacter(in: "The query parameter \(Self.offendingParameter(in: query))")
        }
        return try await next(request, context)
    }

    /// The name of the first parameter whose name or value holds `%00`, decoded as
    /// ``FormQuery`` decodes it (a NUL in the name itself is shown escaped).
    static func offendingParameter(in query: String) -> String {
        for item in query.split(separator: "&") where NULCharacter.isEncoded(in: item) {
            let name = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let decoded = name.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(name)
            return NULCharacter.isIn(decoded) || decoded.isEmpty ? "'\(name)'" : "'\(decoded)'"
        }
        return "(unknown)"
    }
}
