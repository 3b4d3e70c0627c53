public import SwitchboardAMQP

/// When the outbox relay tries a refused row again, and when it gives up and parks it
/// (``OutboxRelay``).
///
/// Only refusals of the message itself count: the broker returned it as unroutable (no
/// queue bound), nacked it, or closed the channel over it (its exchange does not exist).
/// Those repeat until an operator changes the topology, so the row waits 1 s, 2 s, 4 s …
/// up to 5 minutes between tries, and after ``parkAfter`` tries (about 20 minutes in all)
/// it is parked. A lost connection, a missing confirm or a shutdown says nothing about the
/// message: it counts toward nothing.
public struct OutboxRetryPolicy: Sendable {
    public var parkAfter: Int
    public var maxWaitSeconds: Int64

    public init(parkAfter: Int = 10, maxWaitSeconds: Int64 = 300) {
        self.parkAfter = max(1, parkAfter)
        self.maxWaitSeconds = max(1, maxWaitSeconds)
    }

    public func countsAgainstTheMessage(_ error: AMQPError) -> Bool {
        switch error {
        case .unroutable, .nacked, .channelClosed: true
        case .connectionFailed, .connectionLost, .confirmTimedOut, .shuttingDown, .operationFailed: false
        }
    }

    /// Whether a publish's failure is the refusal of this message (to `exchange`). A
    /// closed channel fails every publish in flight on it, but only the one whose exchange
    /// the broker named is at fault (RabbitMQ: `NOT_FOUND - no exchange 'x' in vhost '/'`):
    /// the others count toward nothing, so a relay with many publishes out does not make
    /// innocent rows wait, hold their conversations and finally be parked.
    public func countsAgainst(_ error: AMQPError, exchange: String) -> Bool {
        if case .channelClosed(_, let reason) = error { return reason.contains("'\(exchange)'") }
        return countsAgainstTheMessage(error)
    }

    /// The wait after the `attempt`-th counted failure (1, 2, …): 2^(attempt−1) s, capped.
    public func wait(afterAttempt attempt: Int) -> Duration {
        var seconds: Int64 = 1
        var step = 1
        while step < attempt, seconds < maxWaitSeconds {
            seconds *= 2
            step += 1
        }
        return .seconds(min(seconds, maxWaitSeconds))
    }
}
