public import HTTPTypes
public import HummingbirdTesting
public import Testing

/// The expectations every service's router tests share, written once.
///
/// All six services answer their common routes (health, metrics, OpenAPI) from ServiceKit,
/// and refuse a missing or bad token (401), a role they do not accept (403) and an id that
/// is not one (404) through the same ``SwitchboardServiceKit/APIError``s: what such an
/// answer must look like is a rule of the platform, not of a service, so it is checked
/// here and each service's test file keeps only what is its own, the routes it lists and
/// the cases no other service has.
///
/// Each function records its failures with `#expect` at `sourceLocation` (the caller's line
/// unless told otherwise), naming the request that failed, so a failure points at the
/// service's test, not at this file. A request that gets no answer throws
/// ``RequestDeadlineExceeded``.
///
/// ```swift
/// @Test func noTokenIs401OnEveryRoute() async throws {
///     try await withRouter { client in
///         try await RouterChecks.expectEveryRouteNeedsAToken(routes: Self.protectedRoutes, client: client)
///     }
/// }
/// ```
public enum RouterChecks {
    /// Checks one of ServiceKit's routes on a service that was built but never run.
    ///
    /// - `GET /health/live`: 200 `{"status": "ok", "service": <service>}`.
    /// - `GET /health/ready`: 503 `not_ready` within 5 seconds (the database probe gives up
    ///   after one), with PostgreSQL `unreachable`, AMQP `disconnected` and the migrations
    ///   `pending`, since nothing is connected and nothing has run.
    /// - `GET /openapi.yaml`: 200 `application/yaml`, titled `Switchboard <service>` (the
    ///   service's own document, not the placeholder) and containing `openAPIMustContain`.
    /// - `GET /metrics`: 200 `text/plain`.
    ///
    /// - Parameters:
    ///   - service: the service's name as it reports it (`callback`).
    ///   - openAPIMustContain: a line only the service's own document has, such as one of
    ///     its paths (`/v1/callbacks/{id}/complete:`).
    public static func expectServiceEndpoint(
        _ endpoint: ServiceEndpoint, client: any TestClientProtocol, service: String, openAPIMustContain: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let started = ContinuousClock.now
        let response = try await client.send(.get, endpoint.path)
        let elapsed = ContinuousClock.now - started
        switch endpoint {
        case .live:
            #expect(response.status == .ok, "\(endpoint)", sourceLocation: sourceLocation)
            let body = try #require(response.jsonObject, "\(endpoint)", sourceLocation: sourceLocation)
            #expect(body["status"] as? String == "ok", sourceLocation: sourceLocation)
            #expect(body["service"] as? String == service, sourceLocation: sourceLocation)
        case .ready:
            #expect(elapsed < .seconds(5), "\(endpoint) took \(elapsed)", sourceLocation: sourceLocation)
            #expect(response.status == .serviceUnavailable, "\(endpoint)", sourceLocation: sourceLocation)
            let body = try #require(response.jsonObject, "\(endpoint)", sourceLocation: sourceLocation)
            #expect(body["status"] as? String == "not_ready", sourceLocation: sourceLocation)
            #expect(body["service"] as? String == service, sourceLocation: sourceLocation)
            let checks = try #require(body["checks"] as? [String: String], "\(endpoint)", sourceLocation: sourceLocation)
            #expect(checks["postgres"] == "unreachable", sourceLocation: sourceLocation)
            #expect(checks["amqp"] == "disconnected", sourceLocation: sourceLocation)
            #expect(checks["migrations"] == "pending", sourceLocation: sourceLocation)
        case .openAPI:
            #expect(response.status == .ok, "\(endpoint)", sourceLocation: sourceLocation)
            #expect(response.headers[.contentType] == "application/yaml", sourceLocation: sourceLocation)
            let title = "title: Switchboard \(service)"
            #expect(response.text.contains(title), "the service's own document, not the placeholder", sourceLocation: sourceLocation)
            #expect(response.text.contains(openAPIMustContain), sourceLocation: sourceLocation)
        case .metrics:
            #expect(response.status == .ok, "\(endpoint)", sourceLocation: sourceLocation)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true, sourceLocation: sourceLocation)
        }
    }

    /// Sends every route without an `Authorization` header: each must be 401 `unauthorized`,
    /// as problem+json, with `WWW-Authenticate: Bearer`, before the route looks at anything
    /// else (so no body is needed).
    public static func expectEveryRouteNeedsAToken(
        routes: [(HTTPRequest.Method, String)], client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (method, path) in routes {
            let problem = try await client.problem(method, path)
            expectUnauthorized(problem, "\(method.rawValue) \(path)", sourceLocation: sourceLocation)
        }
    }

    /// Sends every route with `credential`'s `Authorization` header: each must be refused
    /// exactly like a missing token (see ``expectEveryRouteNeedsAToken(routes:client:sourceLocation:)``).
    ///
    /// - Parameter tokens: what mints the credential; its secret must be the service's.
    public static func expectRefused(
        credential: RefusedCredential, routes: [(HTTPRequest.Method, String)], client: any TestClientProtocol, tokens: TestTokens,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let authorization = try await credential.authorization(using: tokens)
        for (method, path) in routes {
            let problem = try await client.problem(method, path, headers: [.authorization: authorization])
            expectUnauthorized(problem, "\(method.rawValue) \(path) with \(credential)", sourceLocation: sourceLocation)
        }
    }

    /// Sends every route with `token` (and `json` as the body when given): each must be 403
    /// `forbidden`, as problem+json, since the role check comes before the body is read.
    public static func expectForbidden(
        routes: [(HTTPRequest.Method, String)], client: any TestClientProtocol, token: String, json: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (method, path) in routes {
            let problem = try await client.problem(method, path, token: token, json: json)
            #expect(problem.statusAndCode == "403 forbidden", "\(method.rawValue) \(path)", sourceLocation: sourceLocation)
            #expect(problem.isProblemJSON, "\(method.rawValue) \(path)", sourceLocation: sourceLocation)
        }
    }

    /// Sends each request (method, path, optional JSON body) with `token`: each must be 404
    /// `not_found`, as problem+json. For paths whose id cannot be one (not a UUID), which
    /// are refused like unknown ids, before any look-up.
    public static func expectNotFound(
        requests: [(HTTPRequest.Method, String, String?)], client: any TestClientProtocol, token: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (method, path, json) in requests {
            let problem = try await client.problem(method, path, token: token, json: json)
            #expect(problem.statusAndCode == "404 not_found", "\(method.rawValue) \(path)", sourceLocation: sourceLocation)
            #expect(problem.isProblemJSON, "\(method.rawValue) \(path)", sourceLocation: sourceLocation)
        }
    }

    /// 401 `unauthorized`, problem+json, `WWW-Authenticate: Bearer`.
    private static func expectUnauthorized(_ problem: TestProblem, _ request: String, sourceLocation: SourceLocation) {
        #expect(problem.statusAndCode == "401 unauthorized", "\(request)", sourceLocation: sourceLocation)
        #expect(problem.isProblemJSON, "\(request)", sourceLocation: sourceLocation)
        #expect(problem.wwwAuthenticate == "Bearer", "\(request)", sourceLocation: sourceLocation)
    }
}
