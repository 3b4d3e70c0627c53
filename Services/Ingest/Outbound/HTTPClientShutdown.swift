import Logging
import ServiceLifecycle
import SwitchboardDatabase

/// Shuts ingest's HTTP client down when the service stops (after the sender, which runs
/// later in the group and so stops first).
///
/// async-http-client's shutdown waits, with no deadline and deaf to cancellation, until its
/// pool has closed every connection; one that hangs would hold the services stopped after
/// this one (the relay, the broker connections, the database pool) until ServiceLifecycle
/// gave up and trapped. So it gets ``limit`` (2 s), and is left to finish on its own after that:
/// the process is about to exit, and the client's pool holds nothing that must be kept.
struct HTTPClientShutdown: Service {
    let shutdown: @Sendable () async throws -> Void
    let limit: Duration
    let logger: Logger

    init(client: CarrierHTTPClient, logger: Logger) {
        self.init(limit: .seconds(2), logger: logger) { try await client.shutdown() }
    }

    /// - Parameter shutdown: the client's shutdown (a stand-in in the tests).
    init(limit: Duration, logger: Logger, shutdown: @escaping @Sendable () async throws -> Void) {
        self.shutdown = shutdown
        self.limit = limit
        self.logger = logger
    }

    func run() async throws {
        // Returns at graceful shutdown or cancellation, either way the end of the service.
        try? await gracefulShutdown()
        do {
            try await Deadline.run(limit, "shutting the carrier HTTP client down", shutdown)
        } catch {
            logger.warning("the carrier HTTP client did not shut down cleanly", metadata: ["reason": "\(error)"])
        }
    }
}
