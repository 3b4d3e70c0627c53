import Testing

@testable import SwitchboardAMQP

/// The rule that coalesces acks: a `multiple` ack never settles a delivery that was not
/// acked (ack after commit), and a batch acked in order costs one frame.
@Suite("Coalescing acks")
struct UnsettledDeliveriesTests {
    typealias Frame = UnsettledDeliveries.AckFrame

    private func ledger(_ tags: ClosedRange<UInt64>) -> UnsettledDeliveries {
        var ledger = UnsettledDeliveries()
        for tag in tags { ledger.delivered(tag) }
        return ledger
    }

    @Test func aWholeBatchInOrderIsOneMultipleAck() {
        var ledger = ledger(1...5)
        #expect(ledger.ack([3, 1, 2, 5, 4]) == [Frame(tag: 5, multiple: true)])
        #expect(ledger.tags.isEmpty)
    }

    @Test func aLoneDeliveryIsAPlainAck() {
        var ledger = ledger(1...3)
        #expect(ledger.ack([1]) == [Frame(tag: 1, multiple: false)])
        #expect(ledger.tags == [2, 3])
    }

    /// Another batch still holds 3: what is above it goes one frame each, and 3 is not acked.
    @Test func aMultipleAckStopsBelowTheLowestUnsettledDelivery() {
        var ledger = ledger(1...6)
        #expect(ledger.ack([1, 2, 4, 6]) == [Frame(tag: 2, multiple: true), Frame(tag: 4, multiple: false), Frame(tag: 6, multiple: false)])
        #expect(ledger.tags == [3, 5])
        // The other batch commits: 3 and 5 now, nothing below them unsettled.
        #expect(ledger.ack([5, 3]) == [Frame(tag: 5, multiple: true)])
        #expect(ledger.tags.isEmpty)
    }

    @Test func aBatchAboveAnUnsettledDeliveryIsAckedOneByOne() {
        var ledger = ledger(1...4)
        #expect(ledger.ack([2, 3, 4]) == [2, 3, 4].map { Frame(tag: $0, multiple: false) })
        #expect(ledger.tags == [1])
    }

    /// A rejected delivery is settled: it no longer stops a `multiple` ack past it.
    @Test func aRejectedDeliveryNoLongerStopsAMultipleAck() {
        var ledger = ledger(1...4)
        ledger.rejected(1)
        #expect(ledger.ack([2, 3, 4]) == [Frame(tag: 4, multiple: true)])
    }

    /// A delivery no consumer took stays unsettled for good: nothing past it is coalesced.
    @Test func aDeliveryNobodyTookIsNeverPassed() {
        var ledger = ledger(1...3)
        _ = ledger.ack([1])
        ledger.delivered(4)
        #expect(ledger.ack([3, 4]) == [Frame(tag: 3, multiple: false), Frame(tag: 4, multiple: false)])
        #expect(ledger.tags == [2])
    }

    /// A tag the ledger never held (acked twice, or of a channel opened again) is acked on
    /// its own, as before the ledger: the broker's answer to it does not change.
    @Test func anUnknownTagIsAckedOnItsOwn() {
        var ledger = ledger(1...2)
        #expect(ledger.ack([1, 2, 9]) == [Frame(tag: 2, multiple: true), Frame(tag: 9, multiple: false)])
        #expect(ledger.ack([2]) == [Frame(tag: 2, multiple: false)])
    }

    @Test func deliveriesStaySortedAndUnique() {
        var ledger = UnsettledDeliveries()
        for tag: UInt64 in [1, 3, 2, 3] { ledger.delivered(tag) }
        #expect(ledger.tags == [1, 2, 3])
        #expect(ledger.ack([]) == [])
    }
}
