import Foundation
import Testing

@testable import SwitchboardAMQP

@Suite("Overdue publisher confirms")
struct OverdueConfirmTests {
    private func message(_ id: String) -> AMQPMessage {
        AMQPMessage(exchange: "x", routingKey: "k", body: Data(), properties: AMQPProperties(messageID: id), mandatory: false)
    }

    /// The in-flight publishes sent before the cutoff leave, oldest first; the scan stops at
    /// the first recent one, skips sequences already confirmed, and moves the lowest
    /// unconfirmed sequence past what it took.
    @Test func takesTheOverdueOnesOldestFirst() async {
        let start = ContinuousClock.now
        let outcomes = await withCheckedContinuation { (continuation: CheckedContinuation<[AMQPError?], Never>) in
            let batch = ConfirmBatch(count: 4, continuation: continuation)
            var inFlight: [UInt64: PendingPublish] = [
                5: PendingPublish(message: message("a"), batch: batch, index: 0, sentAt: start),
                // 6 was confirmed already.
                7: PendingPublish(message: message("b"), batch: batch, index: 1, sentAt: start + .seconds(1)),
                8: PendingPublish(message: message("c"), batch: batch, index: 2, sentAt: start + .seconds(40)),
                9: PendingPublish(message: message("d"), batch: batch, index: 3, sentAt: start + .seconds(41)),
            ]
            var lowest: UInt64 = 5
            let expired = ConnectionWorker.takeOverdue(
                from: &inFlight, lowestUnconfirmed: &lowest, nextSequence: 10, sentBefore: start + .seconds(30)
            )
            #expect(expired.map(\.index) == [0, 1])
            #expect(lowest == 8)
            #expect(inFlight.keys.sorted() == [8, 9])
            // Nothing else is overdue yet; later the rest is.
            #expect(
                ConnectionWorker.takeOverdue(from: &inFlight, lowestUnconfirmed: &lowest, nextSequence: 10, sentBefore: start + .seconds(30)).isEmpty)
            let rest = ConnectionWorker.takeOverdue(from: &inFlight, lowestUnconfirmed: &lowest, nextSequence: 10, sentBefore: start + .seconds(60))
            #expect(rest.map(\.index) == [2, 3])
            #expect(lowest == 10 && inFlight.isEmpty)
            for pending in expired + rest { batch.complete(index: pending.index, error: .confirmTimedOut) }
        }
        #expect(outcomes == [.confirmTimedOut, .confirmTimedOut, .confirmTimedOut, .confirmTimedOut])
    }

    @Test func nothingInFlightNothingTaken() {
        var inFlight: [UInt64: PendingPublish] = [:]
        var lowest: UInt64 = 1
        #expect(ConnectionWorker.takeOverdue(from: &inFlight, lowestUnconfirmed: &lowest, nextSequence: 1, sentBefore: .now).isEmpty)
        #expect(lowest == 1)
    }

    @Test func theDefaultTimeoutIsHalfAMinute() {
        #expect(AMQPConfiguration().confirmTimeout == .seconds(30))
        #expect(AMQPError.confirmTimedOut.description.contains("confirm"))
    }
}
