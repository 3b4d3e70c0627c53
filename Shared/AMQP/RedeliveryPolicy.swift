/// How a consumer answers a delivery whose handler failed for a reason that may pass (the
/// database unreachable, a lock timeout): tried again here, or given back to the broker.
///
/// Requeueing at once, as consumers commonly do, burns the queue's `x-delivery-limit` in
/// milliseconds (a quorum queue hands a requeued message straight back), so a database
/// outage of a minute dead-letters good messages, and the conversation's next message,
/// already prefetched, is handled before the requeued one. Instead the consumer keeps the
/// delivery, holds its conversation, waits, and tries again:
///
/// - while the service's dependencies are unhealthy (an outage), without counting the
///   attempt: no number of failures during an outage brings a message closer to the
///   dead-letter queue, and every worker ends up waiting, which pauses consumption;
/// - while they are healthy (the message fails on its own while others succeed), up to
///   ``localAttempts`` times (the services use `SWITCHBOARD_DELIVERY_LIMIT`), then it is a
///   poison message and the consumer dead-letters it with its reason, its conversation still
///   held. Giving it back to the broker instead would free the conversation while the
///   message waits in the queue, and the conversation's next message, already prefetched,
///   would be handled before it (the fault drill's reorders). The queue's `x-delivery-limit`
///   stays the backstop for a message that kills the process;
/// - when the consumer is shutting down, left to the broker: not tried again, and its
///   conversation's later messages are not handled either (the scheduler abandons its
///   key); once the drain is over they are all nacked (requeue), in the order they were
///   delivered. Nacked at once, it could come back to this channel behind the later ones
///   it still holds.
///
/// The waits grow exponentially from ``initialBackoff`` to ``maxBackoff``, with ±20 %
/// jitter so that replicas do not retry in step.
public struct RedeliveryPolicy: Sendable, Equatable {
    public var localAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(localAttempts: Int = 3, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(2)) {
        self.localAttempts = max(1, localAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = max(initialBackoff, maxBackoff)
    }

    public enum Decision: Sendable, Equatable {
        /// Keep it and try again after the wait; `counted`: the attempt counts toward ``localAttempts``.
        case tryAgain(after: Duration, counted: Bool)
        /// It failed ``localAttempts`` times while the dependencies were healthy: dead-letter it
        /// here, with its reason, before the conversation's next message is handled.
        case deadLetter
        /// Shutting down: leave it, and its conversation, to the broker (nacked with requeue
        /// once the drain is over; the broker counts the delivery).
        case giveBack
    }

    /// - Parameters:
    ///   - countedFailures: failures of this delivery while the dependencies were healthy,
    ///     this one included if they are healthy now.
    ///   - outageStreak: consecutive failed rounds of this worker during an outage (≥ 1 when unhealthy).
    ///   - jitter: a factor in 0.8…1.2 (random in production, fixed in tests).
    public func decide(
        countedFailures: Int, dependenciesHealthy: Bool, outageStreak: Int, shuttingDown: Bool, jitter: Double = Double.random(in: 0.8...1.2)
    ) -> Decision {
        if shuttingDown { return .giveBack }
        if !dependenciesHealthy { return .tryAgain(after: backoff(round: outageStreak, jitter: jitter), counted: false) }
        guard countedFailures < localAttempts else { return .deadLetter }
        return .tryAgain(after: backoff(round: countedFailures, jitter: jitter), counted: true)
    }

    /// The wait before round `round` (1, 2, …): initial × 2^(round−1), capped, times jitter.
    func backoff(round: Int, jitter: Double) -> Duration {
        var wait = initialBackoff
        var step = 1
        while step < round, wait < maxBackoff {
            wait *= 2
            step += 1
        }
        return min(wait, maxBackoff) * min(max(jitter, 0.8), 1.2)
    }
}
