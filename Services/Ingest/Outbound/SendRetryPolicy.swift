import Foundation

/// When an SMS the carrier did not take is tried again (docs/architecture.md 10.1): a
/// timeout, a 5xx or a 429 waits an exponentially growing time with ±20 % jitter (so that
/// replicas and channels do not retry in step), at least the carrier's `Retry-After`, and
/// after ``maxAttempts`` attempts the SMS is `failed` — never silently stuck.
struct SendRetryPolicy: Sendable, Equatable {
    var maxAttempts: Int = 8
    var initialBackoff: Duration = .seconds(1)
    var maxBackoff: Duration = .seconds(60)
    /// The longest `Retry-After` honoured; a carrier asking for more is asked again then.
    var maxRetryAfter: Duration = .seconds(300)

    enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp
    }

    /// - Parameters:
    ///   - attempts: attempts made so far, this one included.
    ///   - jitter: a factor in 0.8…1.2 (random in production, fixed in tests).
    func decide(attempts: Int, retryAfter: Duration?, jitter: Double = Double.random(in: 0.8...1.2)) -> Decision {
        guard attempts < maxAttempts else { return .giveUp }
        var wait = initialBackoff
        var step = 1
        while step < attempts, wait < maxBackoff {
            wait *= 2
            step += 1
        }
        wait = min(wait, maxBackoff) * min(max(jitter, 0.8), 1.2)
        if let retryAfter { wait = max(wait, min(retryAfter, maxRetryAfter)) }
        return .retry(after: wait)
    }
}
