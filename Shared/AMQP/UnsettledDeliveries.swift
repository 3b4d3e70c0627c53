/// The delivery tags of one channel that are neither acked nor rejected yet, in delivery
/// order, and the rule that turns a set of acks into as few `basic.ack` frames as is safe.
///
/// Why: a quorum queue writes every `basic.ack` frame to its Raft log as a settle command
/// of its own, so a batch of 50 deliveries acked one frame each cost the broker 50 log
/// entries where one `multiple` ack costs one (issue #17: RabbitMQ was a fifth of the CPU
/// per SMS). A `multiple` ack settles every unsettled tag up to its own, so it is used only
/// up to the lowest tag still unsettled: a delivery whose effect is not committed is never
/// acked by another's frame (docs/architecture.md section 5, ack after commit).
///
/// Every delivery the channel received is recorded, also one no consumer took: it stays
/// unsettled (the broker requeues it when the channel goes), and no `multiple` ack passes it.
struct UnsettledDeliveries: Sendable {
    /// One `basic.ack` frame to send.
    struct AckFrame: Equatable, Sendable {
        let tag: UInt64
        let multiple: Bool
    }

    /// Ascending: the broker numbers a channel's deliveries in order, from 1.
    private(set) var tags: [UInt64] = []

    /// The broker delivered `tag` on this channel.
    mutating func delivered(_ tag: UInt64) {
        if let last = tags.last, tag <= last {
            // Out of order cannot come from one channel; kept sorted all the same.
            let index = tags.firstIndex { $0 >= tag } ?? tags.endIndex
            if index < tags.endIndex, tags[index] == tag { return }
            tags.insert(tag, at: index)
            return
        }
        tags.append(tag)
    }

    /// `tag` was rejected (`basic.nack`): settled, and no longer in a `multiple` ack's way.
    mutating func rejected(_ tag: UInt64) {
        remove([tag])
    }

    /// Settles `acked` and returns the frames that ack them: one `multiple` frame for the
    /// ones below the lowest tag still unsettled, one frame each for the others. Tags this
    /// ledger does not hold are acked on their own (the broker answers an unknown tag by
    /// closing the channel, as it would have without the ledger).
    mutating func ack(_ acked: [UInt64]) -> [AckFrame] {
        guard !acked.isEmpty else { return [] }
        let known = remove(acked)
        let lowestUnsettled = tags.first ?? .max
        let below = known.filter { $0 < lowestUnsettled }
        var frames: [AckFrame] = []
        if let highest = below.max() {
            frames.append(AckFrame(tag: highest, multiple: below.count > 1))
        }
        let unknown = Set(acked).subtracting(known)
        for tag in Set(known).subtracting(below).union(unknown).sorted() {
            frames.append(AckFrame(tag: tag, multiple: false))
        }
        return frames
    }

    /// Removes `settled` and returns the ones it held.
    @discardableResult
    private mutating func remove(_ settled: [UInt64]) -> [UInt64] {
        let wanted = Set(settled)
        var held: [UInt64] = []
        tags.removeAll { tag in
            guard wanted.contains(tag) else { return false }
            held.append(tag)
            return true
        }
        return held
    }
}
