import Foundation
import HTTPTypes
public import HummingbirdTesting
import NIOCore

/// An answer as problem+json (RFC 9457) reads it: what a router test checks of a refusal.
///
/// Made from any response: when the body is not a JSON object, ``code`` and the other body
/// fields are nil, so an unexpected answer (a 200, a bare 500) shows up in the failed
/// expectation instead of a decoding error.
///
/// ```swift
/// let problem = try await client.problem(.get, "/v1/callbacks")
/// #expect(problem.statusAndCode == "401 unauthorized")
/// #expect(problem.isProblemJSON)
/// #expect(problem.wwwAuthenticate == "Bearer")
/// ```
public struct TestProblem: Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code of the response.
    public let status: Int
    /// The stable `code` clients branch on (`unauthorized`, `invalid_request`, …).
    public let code: String?
    public let title: String?
    public let detail: String?
    /// The `status` member of the body (the same as ``status`` for a well-formed problem).
    public let bodyStatus: Int?
    /// The response's `Content-Type`.
    public let contentType: String?
    /// The response's `WWW-Authenticate` (`Bearer` on every 401).
    public let wwwAuthenticate: String?

    public init(_ response: TestResponse) {
        status = Int(response.status.code)
        contentType = response.headers[.contentType]
        wwwAuthenticate = response.headers[.wwwAuthenticate]
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
        code = object?["code"] as? String
        title = object?["title"] as? String
        detail = object?["detail"] as? String
        bodyStatus = object?["status"] as? Int
    }

    /// `"<status> <code>"`, e.g. `"422 invalid_request"`, so one expectation shows both
    /// when it fails (`"<status> -"` when the body has no code).
    public var statusAndCode: String { "\(status) \(code ?? "-")" }

    /// Whether the answer is `application/problem+json` and its body names the same status.
    public var isProblemJSON: Bool {
        contentType == "application/problem+json" && bodyStatus == status
    }

    public var description: String {
        "\(statusAndCode) (\(contentType ?? "no content type")): \(detail ?? title ?? "no detail")"
    }
}
