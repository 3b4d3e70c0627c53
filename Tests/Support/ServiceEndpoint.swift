/// The four routes ServiceKit puts on every service's router (its `HealthRoutes`), as the
/// arguments of one parameterised test per service, so that each is still its own test case
/// (reported, and failing, on its own) while what they must answer is written once, in
/// ``RouterChecks/expectServiceEndpoint(_:client:service:openAPIMustContain:sourceLocation:)``.
///
/// ```swift
/// @Test(arguments: ServiceEndpoint.allCases)
/// func serviceEndpointAnswers(_ endpoint: ServiceEndpoint) async throws {
///     try await withRouter { client in
///         try await RouterChecks.expectServiceEndpoint(endpoint, client: client, service: "callback", openAPIMustContain: "/v1/callbacks:")
///     }
/// }
/// ```
public enum ServiceEndpoint: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `GET /health/live`: 200 with the service's name.
    case live = "/health/live"
    /// `GET /health/ready`: 503 within seconds when nothing is connected.
    case ready = "/health/ready"
    /// `GET /openapi.yaml`: the service's own document.
    case openAPI = "/openapi.yaml"
    /// `GET /metrics`: Prometheus' text format.
    case metrics = "/metrics"

    /// The path the endpoint is served at (every one answers `GET`).
    public var path: String { rawValue }

    public var description: String { "GET \(rawValue)" }
}
