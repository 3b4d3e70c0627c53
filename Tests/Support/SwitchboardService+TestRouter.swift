import Hummingbird
public import HummingbirdTesting
public import SwitchboardServiceKit

/// The set-up every router test shares: the service built by its real `build`, exactly as
/// its executable builds it, and its router driven in memory.
///
/// It lives here, once, because the six services' router tests did the same three steps
/// (bootstrap, `build`, `Application(router:).test(.router, …)`) and differed only in the
/// service; what a service needs on top (media's content store, ingest's credentials key)
/// stays in its own test file, as a small `withRouter` that passes its variables on.
///
/// ```swift
/// private func withRouter(
///     environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
/// ) async throws {
///     try await Callback.withTestRouter(environment: environment, test)
/// }
/// ```
extension SwitchboardService {
    /// Builds the service from ``TestBootstrap/make(service:defaultPort:environment:)`` (its
    /// own ``SwitchboardService/name`` and ``SwitchboardService/defaultPort``, the test
    /// defaults plus `environment`) and runs `test` against its router, with no port and no
    /// connection: `build` opens none, and the service is never run.
    ///
    /// - Throws: what `build` throws (an invalid configuration), or what `test` throws.
    public static func withTestRouter(
        environment: [String: String] = [:], _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let service = try await build(TestBootstrap.make(service: name, defaultPort: defaultPort, environment: environment))
        try await Application(router: service.router).test(.router, test)
    }
}
