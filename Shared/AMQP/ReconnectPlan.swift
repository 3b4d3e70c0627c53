import Foundation

/// Where and when a lost AMQP connection is opened again (docs/architecture.md sections 5
/// and 10.5). With several brokers (the nodes of a cluster), the next node is tried at once
/// after a failure, so a node that goes away costs one failed attempt, not a backoff; only
/// when every node failed in turn does the delay grow (250 ms, doubling, at most
/// `maxDelay`), so a broker that comes back is used again within about `maxDelay`. Pure,
/// for tests.
struct ReconnectPlan: Sendable, Equatable {
    var endpoints: Int
    var maxDelay: Duration

    /// A moment between two nodes: enough not to spin, too short to matter.
    static let betweenNodes = 0.05

    func nextEndpoint(after index: Int) -> Int {
        endpoints > 1 ? (index + 1) % endpoints : 0
    }

    /// The wait before attempt `attempt` (1 = the first after a failure).
    func delaySeconds(attempt: Int) -> Double {
        let count = max(1, endpoints)
        if count > 1, attempt % count != 0 { return Self.betweenNodes }
        let rounds = attempt / count
        return min(Double(maxDelay.components.seconds), 0.25 * pow(2, Double(min(rounds, 10))))
    }
}
