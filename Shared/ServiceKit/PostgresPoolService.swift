import Logging
public import PostgresNIO
public import ServiceLifecycle
import SwitchboardDatabase

/// Runs a PostgreSQL pool in the service group, and gives its close at shutdown a limit.
///
/// At shutdown `PostgresClient.run()` closes every connection and returns once each one has
/// closed and each of the pool's own tasks has finished. In CI, once in dozens of runs,
/// callback's pool never finished closing (postgres-nio 1.33.2): every thread was idle, so
/// something in the pool waited for an event that never came. The process then went past
/// its 9-s shutdown budget, and ServiceLifecycle trapped.
///
/// The pools are the last parts of the group to stop. By then every part that used them
/// has finished, its work committed or left to redelivery, so an unfinished close loses
/// nothing. The pool gets ``closeLimit`` (3 s) to close. After that it is left to finish on
/// its own, with a warning, and the process exits cleanly: the kernel closes the sockets.
public struct PostgresPoolService: Service {
    /// The pool's name in the warning: `database` or `readiness`.
    let name: String
    let closeLimit: Duration
    let logger: Logger
    /// The pool's run, returning once its connections have closed after cancellation (a
    /// stand-in in the tests).
    let runPool: @Sendable () async -> Void

    public init(client: PostgresClient, name: String, logger: Logger) {
        self.init(name: name, closeLimit: .seconds(3), logger: logger) { await client.run() }
    }

    init(name: String, closeLimit: Duration, logger: Logger, runPool: @escaping @Sendable () async -> Void) {
        self.name = name
        self.closeLimit = closeLimit
        self.logger = logger
        self.runPool = runPool
    }

    public func run() async {
        // An unstructured task, so that a close that never finishes can be left behind. It
        // inherits this part's graceful-shutdown trigger, as `PostgresClient.run()` expects.
        let pool = Task { await runPool() }
        // Returns at graceful shutdown or cancellation, either way the end of the pool.
        try? await gracefulShutdown()
        pool.cancel()
        do {
            try await Deadline.run(closeLimit, "closing the \(name) pool") { await pool.value }
        } catch is CancellationError {
            // The group was cancelled (its time is up, or a part failed and said so): it
            // waits for no one now.
            logger.debug("a PostgreSQL pool was left to the process's exit: the service group was cancelled", metadata: ["pool": "\(name)"])
        } catch {
            logger.warning(
                "a PostgreSQL pool did not close in time; the process exits without waiting for it",
                metadata: ["pool": "\(name)", "reason": "\(error)"])
        }
    }
}
