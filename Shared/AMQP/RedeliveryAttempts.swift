import NIOConcurrencyHelpers

/// How many counted failures each delivery a consumer holds has had (``RedeliveryPolicy``),
/// by connection generation, channel and delivery tag; forgotten once the delivery is acked or
/// given back.
final class RedeliveryAttempts: Sendable {
    private struct Key: Hashable {
        var generation: UInt64
        var channel: UInt16
        var tag: UInt64

        init(_ delivery: AMQPDelivery) {
            generation = delivery.generation
            channel = delivery.channel
            tag = delivery.deliveryTag
        }
    }

    private let counts = NIOLockedValueBox([Key: Int]())

    /// Counts one more failure and returns the total.
    func record(_ delivery: AMQPDelivery) -> Int {
        counts.withLockedValue { counts in
            let key = Key(delivery)
            counts[key, default: 0] += 1
            return counts[key] ?? 1
        }
    }

    /// The failures counted so far.
    func count(_ delivery: AMQPDelivery) -> Int {
        counts.withLockedValue { $0[Key(delivery)] ?? 0 }
    }

    func forget(_ deliveries: [AMQPDelivery]) {
        guard !deliveries.isEmpty else { return }
        counts.withLockedValue { counts in
            guard !counts.isEmpty else { return }
            for delivery in deliveries { counts[Key(delivery)] = nil }
        }
    }
}
