public import ServiceLifecycle

/// A service's consumers as one service, so that on SIGTERM they all stop taking
/// deliveries at the same moment and drain side by side.
///
/// A service group shuts its services down one after another, in reverse order: with each
/// consumer its own service, the later ones kept taking deliveries while the first drained,
/// and the drains added up against the 10 s budget. Graceful shutdown reaches every child
/// task of this one at once.
public struct ConsumerSet: Service {
    public let consumers: [any Service]

    public init(_ consumers: [any Service]) {
        self.consumers = consumers
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                group.addTask { try await consumer.run() }
            }
            try await group.waitForAll()
        }
    }
}
