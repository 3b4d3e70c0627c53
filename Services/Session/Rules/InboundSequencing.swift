import Foundation

/// The transcript numbers of a batch's inbound entries, decided before anything is written:
/// an interaction open before the batch continues from its `next_seq` (read under its row
/// lock, so nothing else can number an entry of it until the batch commits), one the batch
/// opens starts at 1, and entries of one interaction follow the batch's order. Knowing the
/// numbers up front lets the interactions, the entries and their events be written in one
/// statement each (docs/benchmark.md, "fourteenth pass"). No I/O.
struct InboundSequencing: Sendable, Equatable {
    /// One interaction open before the batch that the batch appends to: the `next_seq` it
    /// had (what the write checks it still has) and how many entries the batch adds.
    struct Continued: Sendable, Equatable {
        var interactionID: UUID
        var firstSeq: Int
        var count: Int
    }

    /// Each entry's sequence number, in the batch's order.
    var seqs: [Int]
    /// The `next_seq` each interaction the batch opened has after it.
    var nextSeqOfOpened: [UUID: Int]
    /// The interactions open before the batch that it appends to, in order of first use.
    var continued: [Continued]

    /// - Parameters:
    ///   - entries: each entry's interaction, and whether the batch opens that interaction
    ///     with this entry, in the batch's order.
    ///   - nextSeq: the `next_seq` of each interaction open before the batch.
    init(entries: [(interactionID: UUID, opens: Bool)], nextSeq: [UUID: Int]) {
        var next: [UUID: Int] = [:]
        var opened = Set<UUID>()
        var continuedOrder: [UUID] = []
        seqs = entries.map { entry in
            if entry.opens {
                opened.insert(entry.interactionID)
                next[entry.interactionID] = 1
            } else if next[entry.interactionID] == nil {
                next[entry.interactionID] = nextSeq[entry.interactionID] ?? 1
                continuedOrder.append(entry.interactionID)
            }
            let seq = next[entry.interactionID] ?? 1
            next[entry.interactionID] = seq + 1
            return seq
        }
        nextSeqOfOpened = next.filter { opened.contains($0.key) }
        continued = continuedOrder.map { id in
            let first = nextSeq[id] ?? 1
            return Continued(interactionID: id, firstSeq: first, count: (next[id] ?? first) - first)
        }
    }
}
