import Foundation
import Testing

@testable import Session

/// The batch path numbers its entries before writing them: the numbers must be the ones
/// appending the entries one by one would give.
@Suite("Session: numbering a batch's inbound entries")
struct InboundSequencingTests {
    let open = UUID()
    let opened = UUID()
    let page = UUID()

    @Test func entriesContinueAnOpenSessionAndStartOneTheBatchOpensAtOne() {
        let sequencing = InboundSequencing(
            entries: [(open, false), (opened, true), (open, false), (page, true), (opened, false)], nextSeq: [open: 7])
        #expect(sequencing.seqs == [7, 1, 8, 1, 2])
        #expect(sequencing.nextSeqOfOpened == [opened: 3, page: 2])
        #expect(sequencing.continued == [.init(interactionID: open, firstSeq: 7, count: 2)])
    }

    @Test func sessionsAreContinuedInTheOrderTheBatchFirstUsesThem() {
        let other = UUID()
        let sequencing = InboundSequencing(entries: [(other, false), (open, false), (other, false)], nextSeq: [open: 2, other: 40])
        #expect(sequencing.seqs == [40, 2, 41])
        #expect(sequencing.continued.map(\.interactionID) == [other, open])
        #expect(sequencing.continued.map(\.count) == [2, 1])
        #expect(sequencing.nextSeqOfOpened.isEmpty)
    }

    @Test func anOpenSessionNotJoinedIsLeftAlone() {
        let sequencing = InboundSequencing(entries: [(opened, true)], nextSeq: [open: 5])
        #expect(sequencing.seqs == [1])
        #expect(sequencing.continued.isEmpty)
    }

    @Test func anEmptyBatchNumbersNothing() {
        let sequencing = InboundSequencing(entries: [], nextSeq: [open: 5])
        #expect(sequencing.seqs.isEmpty && sequencing.continued.isEmpty && sequencing.nextSeqOfOpened.isEmpty)
    }
}
