import Logging

/// The whole `main` of every executable: bootstrap the process, choose where Swift
/// concurrency runs (``ConcurrencyExecutor``), build the service, run it.
///
/// A build that fails (a bad service-specific variable, an unreadable key) is logged as
/// critical before the process ends, so an operator sees why in the service's own log
/// format, not only in a Swift backtrace.
public enum ServiceMain {
    public static func run<Service: SwitchboardService>(_ service: Service.Type) async throws {
        let bootstrap = ProcessBootstrap.start(service: Service.name, defaultPort: Service.defaultPort)
        // Where Swift concurrency runs, set before the service starts anything; NIO's hook
        // must be installed from the main thread.
        let executor = bootstrap.configuration.executor
        let onEventLoops = await MainActor.run { executor.install() }
        bootstrap.logger.info(
            "swift concurrency runs on \(onEventLoops ? "NIO's event loops" : "its own pool")",
            metadata: ["executor": "\(executor.rawValue)", "on_event_loops": "\(onEventLoops)"])
        let built: Service
        do {
            built = try await Service.build(bootstrap)
        } catch {
            bootstrap.logger.critical("could not start", metadata: ["reason": "\(error)"])
            _ = await JSONLogHandler.flushed()
            throw error
        }
        try await built.run()
    }
}
