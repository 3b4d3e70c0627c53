import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardDatabase

/// Applies the service's migrations as soon as PostgreSQL answers (retrying with backoff
/// while it does not), then opens the start-up gate and stays until shutdown. A shutdown
/// before that ends the attempts at once (the gate's waiters give up too).
struct MigrationService: Service {
    let client: PostgresClient
    let runner: MigrationRunner
    let gate: StartupGate
    let logger: Logger

    func run() async throws {
        // A SIGTERM while PostgreSQL does not answer cancels the attempt in progress (a query
        // waiting for a connection) instead of waiting for it.
        await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(250)
            while !Task.isCancelled {
                do {
                    try await runner.run(on: client, logger: logger)
                    gate.open()
                    logger.info("schema ready", metadata: ["schema": "\(runner.schema)"])
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning(
                        "migrations could not run yet; retrying",
                        metadata: [
                            "schema": "\(runner.schema)", "reason": "\(String(reflecting: error))",
                        ])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
        }
        try? await gracefulShutdown()
    }
}
