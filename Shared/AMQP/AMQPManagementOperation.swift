/// A change to the broker's topology, or a question about it, made while a service runs
/// (``AMQPConnection/manage(_:)``), beyond the fixed topology declared at connect.
///
/// ingest keeps one binding per sending channel on `switchboard.outbound` in step with its
/// channel table, reports how many replies wait unrouted, and empties the queue an earlier
/// version left behind.
public enum AMQPManagementOperation: Sendable, Equatable {
    case bind(queue: String, exchange: String, routingKey: String)
    case unbind(queue: String, exchange: String, routingKey: String)
    /// The number of messages ready in the queue (a passive declare); nil when it does not exist.
    case messageCount(queue: String)
    /// Deletes the queue if it holds no ready message; answers 1 when it was deleted (or did
    /// not exist), nil when it still holds messages. For a queue nothing routes to any more:
    /// quorum queues have no atomic `if-empty`, so the count read just before decides.
    case deleteQueueIfEmpty(queue: String)
}
