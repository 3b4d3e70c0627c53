import Foundation
public import Logging
import ServiceLifecycle

/// The loop behind every durable timer (inactivity timeouts, callbacks, offer expiries,
/// SMS reassembly): fire what is due, in batches, then sleep until the next deadline —
/// but at most `maxSleep`, so a deadline set earlier by another replica is seen promptly.
///
/// The timers themselves are rows in PostgreSQL, claimed by `fireDue` with
/// `FOR UPDATE SKIP LOCKED` in the transaction that applies them: replicas never fire the
/// same one, and a replica that dies mid-claim leaves it to the next pass of any other.
/// Runs until cancelled or graceful shutdown; a failure is logged and retried after 1 s.
public struct DeadlineLoop: Sendable {
    public let name: String
    public let batch: Int
    public let maxSleep: Duration
    public let logger: Logger

    public init(name: String, batch: Int = 100, maxSleep: Duration = .milliseconds(500), logger: Logger) {
        self.name = name
        self.batch = batch
        self.maxSleep = maxSleep
        self.logger = logger
    }

    /// - Parameters:
    ///   - fireDue: claims and applies up to `batch` due timers; returns how many.
    ///   - secondsUntilNext: seconds until the earliest pending deadline (≤ 0 when one is
    ///     due), or nil when none is pending.
    public func run(
        fireDue: @escaping @Sendable (_ limit: Int) async throws -> Int,
        secondsUntilNext: @escaping @Sendable () async throws -> Double?
    ) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    var fired = 0
                    // Deadlines on both calls: a hung database call is an error and a retry.
                    repeat {
                        fired = try await Deadline.run(.seconds(10), "\(name)") { try await fireDue(batch) }
                    } while fired == batch && !Task.isCancelled
                    let next = try await Deadline.run(.seconds(10), "\(name) look-up") { try await secondsUntilNext() }
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
