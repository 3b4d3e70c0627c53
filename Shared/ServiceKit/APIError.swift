import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An HTTP error answered as `application/problem+json` (RFC 9457) with a stable `code`
/// clients can branch on (docs/architecture.md section 3).
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let title: String
    public let detail: String?

    public init(status: HTTPResponse.Status, code: String, title: String, detail: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var object: [String: Any] = [
            "type": "https://switchboard.dev/problems/\(code)",
            "title": title,
            "status": Int(status.code),
            "code": code,
        ]
        if let detail { object["detail"] = detail }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Common errors

    public static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized", title: "Authentication required",
        detail: "Send a valid bearer token (Authorization: Bearer <JWT>)."
    )

    public static func forbidden(_ detail: String) -> APIError {
        APIError(status: .forbidden, code: "forbidden", title: "Not allowed", detail: detail)
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(status: .notFound, code: "not_found", title: "Not found", detail: "\(what) does not exist or is not visible to you.")
    }

    public static func invalid(_ detail: String, code: String = "invalid_request") -> APIError {
        APIError(status: .unprocessableContent, code: code, title: "Invalid request", detail: detail)
    }

    /// A field holds U+0000, which nothing stores or sends (``NULCharacter``): 422 naming it.
    public static func nulCharacter(in field: String) -> APIError {
        APIError(
            status: .unprocessableContent, code: "invalid_character", title: "Invalid character",
            detail: "\(field) contains a NUL character (U+0000), which is not allowed."
        )
    }

    public static func badRequest(_ detail: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", title: "Malformed request", detail: detail)
    }

    public static func unavailable(_ detail: String) -> APIError {
        APIError(status: .serviceUnavailable, code: "unavailable", title: "Service unavailable", detail: detail)
    }
}
