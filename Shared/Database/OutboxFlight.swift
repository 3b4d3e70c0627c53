public import SwitchboardAMQP

/// The outbox relay's batches that are out at the broker, awaiting their confirms: which
/// rows and which conversations they hold, and which batches have their outcomes back.
///
/// The relay publishes its next batch while earlier ones still wait for their confirms
/// (issue #17: waiting for each batch's confirms before selecting the next one was most of
/// an event's latency under load). Two rules keep that safe, and live here so they can be
/// tested without I/O:
/// - a row that is out is not selected again (``excludedIDs``), so nothing is published
///   twice while its confirm is on its way;
/// - a conversation with a row out has nothing else published (``excludedConversations``)
///   until that row's outcome is back: if the broker refuses it, its later rows must not
///   overtake it (docs/architecture.md section 5, per-conversation order).
public struct OutboxFlight: Sendable {
    /// One batch handed to the publisher.
    public struct Batch: Sendable, Equatable {
        public let number: Int
        public let rows: [OutboxRelayRow]
        public let launchedAt: ContinuousClock.Instant
    }

    /// A batch whose confirms (or failures) are back, in row order.
    public struct Landed: Sendable {
        public let batch: Batch
        public let errors: [AMQPError?]
    }

    /// How many batches may be out at once.
    public let maxBatches: Int
    private var out: [Int: Batch] = [:]
    private var landed: [Landed] = []
    private var nextNumber = 0
    public private(set) var excludedIDs: Set<Int64> = []
    public private(set) var excludedConversations: Set<String> = []

    public init(maxBatches: Int) {
        self.maxBatches = max(1, maxBatches)
    }

    /// Room for one more batch.
    public var hasRoom: Bool { out.count < maxBatches }

    /// Nothing out (a landed batch is out until it is forgotten).
    public var isEmpty: Bool { out.isEmpty }

    /// Batches out (landed ones included until they are settled).
    public var batchesOut: Int { out.count }

    /// When the oldest batch still out was launched.
    public var oldestLaunch: ContinuousClock.Instant? { out.values.map(\.launchedAt).min() }

    /// Takes the rows of a newly selected batch that may go out now: at most one per
    /// conversation, none of a conversation that has one out, none already out. The rest
    /// are deferred (they are selected again once the conversation's row is back).
    public func admissible(_ rows: [OutboxRelayRow]) -> (admitted: [OutboxRelayRow], deferred: Int) {
        var conversations = excludedConversations
        var admitted: [OutboxRelayRow] = []
        var deferred = 0
        for row in rows {
            if excludedIDs.contains(row.id) {
                deferred += 1
                continue
            }
            if let conversation = row.correlationID, !conversations.insert(conversation).inserted {
                deferred += 1
                continue
            }
            admitted.append(row)
        }
        return (admitted, deferred)
    }

    /// Records a batch as out; its rows and conversations are excluded until it is settled.
    public mutating func launch(_ rows: [OutboxRelayRow], at instant: ContinuousClock.Instant = .now) -> Batch {
        let batch = Batch(number: nextNumber, rows: rows, launchedAt: instant)
        nextNumber += 1
        out[batch.number] = batch
        for row in rows {
            excludedIDs.insert(row.id)
            if let conversation = row.correlationID { excludedConversations.insert(conversation) }
        }
        return batch
    }

    /// Records a batch's outcomes (one per row, `nil` for confirmed). The batch stays out,
    /// its rows still excluded, until it is forgotten.
    public mutating func land(_ number: Int, errors: [AMQPError?]) {
        guard let batch = out[number] else { return }
        landed.append(Landed(batch: batch, errors: errors))
    }

    /// Hands over the batches that landed since the last call. Their rows stay excluded
    /// until ``forget(_:)``: call it once they have been deleted or scheduled for a retry
    /// (or that failed and they are to be published again).
    public mutating func takeLanded() -> [Landed] {
        let taken = landed
        landed.removeAll()
        return taken
    }

    /// Forgets settled batches: their rows and conversations may be selected again.
    public mutating func forget(_ batches: [Batch]) {
        for batch in batches where out.removeValue(forKey: batch.number) != nil {
            for row in batch.rows {
                excludedIDs.remove(row.id)
                if let conversation = row.correlationID { excludedConversations.remove(conversation) }
            }
        }
    }
}
