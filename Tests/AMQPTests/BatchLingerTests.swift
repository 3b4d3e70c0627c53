import Testing

@testable import SwitchboardAMQP

@Suite("Batch linger (waiting for a batch to form)")
struct BatchLingerTests {
    let start = ContinuousClock.now
    let linger = BatchLinger(window: .milliseconds(5))

    @Test func waitsForTheOldestDeliverysWindowWhileMoreAreExpected() {
        // 400 deliveries a second: two more expected in the 5 ms.
        let deadline = linger.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 400, now: start)
        #expect(deadline == start + .milliseconds(5))
        // Part of the window gone: the deadline stays the oldest delivery's.
        let later = linger.deadline(
            oldestArrival: start, waiting: 2, maximum: 50, arrivalsPerSecond: 400, now: start + .milliseconds(2))
        #expect(later == start + .milliseconds(5))
    }

    @Test func takesAtOnceWhenNothingMoreIsExpectedInTime() {
        // 100 a second: half a delivery expected in 5 ms, so waiting would only add latency.
        #expect(linger.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 100, now: start) == nil)
        // Idle: nothing expected.
        #expect(linger.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 0, now: start) == nil)
        // 400 a second but only 1 ms left: 0.4 expected.
        #expect(
            linger.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 400, now: start + .milliseconds(4)) == nil)
    }

    @Test func neverWaitsForAFullBatchAnExpiredWindowOrADeliveryGoingRoundAgain() {
        #expect(linger.deadline(oldestArrival: start, waiting: 50, maximum: 50, arrivalsPerSecond: 10_000, now: start) == nil)
        #expect(
            linger.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 10_000, now: start + .milliseconds(5)) == nil)
        #expect(linger.deadline(oldestArrival: nil, waiting: 1, maximum: 50, arrivalsPerSecond: 10_000, now: start) == nil)
        #expect(linger.deadline(oldestArrival: start, waiting: 0, maximum: 50, arrivalsPerSecond: 10_000, now: start) == nil)
    }

    @Test func offNeverWaits() {
        #expect(BatchLinger.off.isOff)
        #expect(BatchLinger(window: .milliseconds(-3)).isOff)
        #expect(BatchLinger.off.deadline(oldestArrival: start, waiting: 1, maximum: 50, arrivalsPerSecond: 10_000, now: start) == nil)
    }

    @Test func ratesAreCountedOverTenWindowsAndAtLeastATenthOfASecond() {
        #expect(BatchLinger(window: .milliseconds(5)).rateWindow == .milliseconds(100))
        #expect(BatchLinger(window: .milliseconds(20)).rateWindow == .milliseconds(200))
    }

    @Test func aLingeringWorkerLooksAgainFourTimesAWindow() {
        #expect(BatchLinger(window: .milliseconds(20)).slice == .milliseconds(5))
        #expect(BatchLinger(window: .milliseconds(2)).slice == .milliseconds(1))
    }

    @Test func arrivalRateCountsThePreviousAndTheCurrentWindow() {
        var rate = ArrivalRate(window: .milliseconds(100))
        #expect(rate.perSecond(at: start) == 0)
        // 40 in the first 100 ms, then 10 in the next 50 ms.
        for index in 0..<40 { rate.record(at: start + .microseconds(index * 2_500)) }
        for index in 0..<10 { rate.record(at: start + .milliseconds(100) + .microseconds(index * 5_000)) }
        let now = start + .milliseconds(150)
        #expect(abs(rate.perSecond(at: now) - 50.0 / 0.15) < 1)
    }

    @Test func arrivalRateForgetsAQuietSpell() {
        var rate = ArrivalRate(window: .milliseconds(100))
        for index in 0..<40 { rate.record(at: start + .microseconds(index * 2_500)) }
        // Nothing for two windows: the stream has stopped.
        #expect(rate.perSecond(at: start + .milliseconds(250)) == 0)
        // One delivery after the quiet spell is not a stream.
        rate.record(at: start + .milliseconds(300))
        #expect(abs(rate.perSecond(at: start + .milliseconds(300)) - 10) < 1e-9)
    }
}
