import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase

/// Applies the service's migrations as soon as PostgreSQL answers (retrying with backoff
/// while it does not), then opens the start-up gate and stays until shutdown.
struct MigrationService: Service {
    let client: PostgresClient
    let runner: MigrationRunner
    let gate: StartupGate
    let logger: Logger

    func run() async throws {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runner.run(on: client, logger: logger)
                gate.open()
                logger.info("schema ready", metadata: ["schema": "\(runner.schema)"])
                break
            } catch {
                logger.warning("migrations could not run yet; retrying", metadata: [
                    "schema": "\(runner.schema)", "reason": "\(String(reflecting: error))",
                ])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        try? await gracefulShutdown()
    }
}
