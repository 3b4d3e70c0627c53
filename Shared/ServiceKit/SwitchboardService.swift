public import Hummingbird
public import ServiceLifecycle

/// One Switchboard executable: built from a ``ServiceBootstrap`` by its
/// `<Name>+build.swift`, then run by ``ServiceMain`` until SIGTERM.
///
/// A service is its runtime plus what it adds: routes, consumers, and background services
/// such as its timers. Tests build it the same way and drive its ``router`` without I/O.
public protocol SwitchboardService {
    /// The service's name (`callback`), as logs, metrics and the AMQP connections show it.
    static var name: String { get }
    /// The HTTP port when `SWITCHBOARD_HTTP_PORT` is not set.
    static var defaultPort: Int { get }

    /// Builds the service without connecting to anything: connections open when it runs.
    static func build(_ bootstrap: ServiceBootstrap) async throws -> Self

    var runtime: ServiceRuntime { get }
    var router: Router<SwitchboardRequestContext> { get }
    /// The service's AMQP consumers; they stop together on SIGTERM.
    var consumers: [any Service] { get }
    /// What else runs beside the consumers (timers, schedulers).
    var background: [any Service] { get }
}

extension SwitchboardService {
    public var background: [any Service] { [] }

    /// Runs the service until SIGTERM or SIGINT, then shuts it down gracefully.
    public func run() async throws {
        try await runtime.run(router: router, consumers: consumers, extra: background)
    }
}
