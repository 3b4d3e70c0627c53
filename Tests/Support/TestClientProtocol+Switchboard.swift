public import HTTPTypes
public import HummingbirdTesting
import NIOCore

/// Requests as router tests send them: an optional bearer token, an optional JSON body,
/// and a deadline, so a request that unexpectedly reaches the database (which never
/// answers in these tests) fails the test instead of hanging it.
extension TestClientProtocol {
    /// Sends `method uri` and returns the response, or throws ``RequestDeadlineExceeded``
    /// when none came within `deadline`.
    ///
    /// - Parameters:
    ///   - token: sent as `Authorization: Bearer <token>` when not nil.
    ///   - json: the body, sent with `Content-Type: application/json` when not nil (any
    ///     text: malformed JSON is a case worth sending).
    ///   - headers: more headers; they win over the two above.
    public func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:],
        deadline: Duration = .seconds(10)
    ) async throws -> TestResponse {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        if json != nil { fields[.contentType] = "application/json" }
        for field in headers { fields[field.name] = field.value }
        let body = json.map { ByteBuffer(string: $0) }
        let request = fields
        return try await withThrowingTaskGroup(of: TestResponse.self) { group in
            group.addTask {
                try await self.executeRequest(uri: uri, method: method, headers: request, body: body)
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw RequestDeadlineExceeded(method: method.rawValue, uri: uri, deadline: deadline)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw RequestDeadlineExceeded(method: method.rawValue, uri: uri, deadline: deadline)
            }
            return first
        }
    }

    /// ``send(_:_:token:json:headers:deadline:)``, read as a problem (``TestProblem``).
    public func problem(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:],
        deadline: Duration = .seconds(10)
    ) async throws -> TestProblem {
        TestProblem(try await send(method, uri, token: token, json: json, headers: headers, deadline: deadline))
    }
}
