import Foundation
public import Logging
public import ServiceLifecycle

/// The service behind every durable timer: once the service is ready, fire what is due, in
/// batches, then sleep until the next deadline — but at most `maxSleep`, so a deadline set
/// earlier by another replica is seen promptly.
///
/// The timers themselves are rows in PostgreSQL, claimed by the ``DueTimer`` with
/// `FOR UPDATE SKIP LOCKED` in the transaction that applies them: replicas never fire the
/// same one, and a replica that dies mid-claim leaves it to the next pass of any other.
/// Runs until cancelled or graceful shutdown; a failure is logged and retried after 1 s,
/// and a database call that hangs is a failure after 10 s (``Deadline``).
public struct DeadlineLoop<Timer: DueTimer>: Service {
    public let name: String
    public let timer: Timer
    public let batch: Int
    public let maxSleep: Duration
    public let waitUntilReady: @Sendable () async -> Void
    public let logger: Logger

    public init(
        name: String, timer: Timer, batch: Int = 100, maxSleep: Duration = .milliseconds(500),
        waitUntilReady: @escaping @Sendable () async -> Void, logger: Logger
    ) {
        self.name = name
        self.timer = timer
        self.batch = batch
        self.maxSleep = maxSleep
        self.waitUntilReady = waitUntilReady
        self.logger = logger
    }

    public func run() async {
        await waitUntilReady()
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var fired = 0
                    repeat {
                        fired = try await Deadline.run(.seconds(10), "\(name)") { try await timer.fireDue(limit: batch) }
                    } while fired == batch && !Task.isCancelled
                    let next = try await Deadline.run(.seconds(10), "\(name) look-up") { try await timer.secondsUntilNext() }
                    let wait = next.map { min(max(0, $0), 3600) } ?? 3600
                    try await Task.sleep(for: min(.milliseconds(Int(wait * 1000) + 5), maxSleep))
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("\(name) failed; retrying", metadata: ["reason": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
