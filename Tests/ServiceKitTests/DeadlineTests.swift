import Foundation
import NIOConcurrencyHelpers
import SwitchboardDatabase
import Testing

@Suite("Deadlines on operations that may hang")
struct DeadlineTests {
    struct Boom: Error {}

    @Test func aResultOrErrorComesThrough() async throws {
        #expect(try await Deadline.run(.seconds(5), "quick") { 42 } == 42)
        await #expect(throws: Boom.self) { try await Deadline.run(.seconds(5), "failing") { () async throws -> Int in throw Boom() } }
    }

    /// An operation that ignores cancellation (a hung pool) still gives its caller an
    /// answer at the deadline.
    @Test func aHungOperationFailsAtTheDeadline() async throws {
        let release = NIOLockedValueBox(false)
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await Deadline.run(.milliseconds(200), "hung") { () async throws -> Int in
                // Deaf to cancellation, as a stuck connection wait can be.
                while !release.withLockedValue({ $0 }) { usleep(10_000) }
                return 1
            }
        }
        let waited = ContinuousClock.now - started
        release.withLockedValue { $0 = true }
        #expect(waited < .seconds(2))
    }

    /// A caller cancelled while the operation ignores cancellation (a query on a frozen link)
    /// is answered at once: a service stopping during a database outage must not wait for
    /// the deadline (ServiceLifecycle allows one second of cancellation).
    @Test func aCancelledCallerIsAnsweredAtOnce() async throws {
        let release = NIOLockedValueBox(false)
        let entered = NIOLockedValueBox(false)
        let caller = Task {
            try await Deadline.run(.seconds(30), "hung") { () async throws -> Int in
                entered.withLockedValue { $0 = true }
                while !release.withLockedValue({ $0 }) { usleep(10_000) }
                return 1
            }
        }
        while !entered.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        let waited = ContinuousClock.now - started
        release.withLockedValue { $0 = true }
        #expect(waited < .seconds(2))
    }

    /// A deadline whose operation finished in time never fires, and the watch's task ends
    /// once nothing is pending (an idle service has no timer ticking).
    @Test func aDeadlineRemovedInTimeNeverFiresAndTheWatchStops() async throws {
        let watch = DeadlineWatch(tick: .milliseconds(10))
        let fired = NIOLockedValueBox(0)
        let key = watch.add(expiringAfter: .milliseconds(50)) { fired.withLockedValue { $0 += 1 } }
        #expect(watch.isWatching)
        watch.remove(key)
        try await Task.sleep(for: .milliseconds(200))
        #expect(fired.withLockedValue { $0 } == 0)
        #expect(watch.pendingCount == 0)
        #expect(!watch.isWatching)
    }

    /// An expired deadline fires once, about when it is due, and only it: a later one still
    /// waits.
    @Test func anExpiredDeadlineFiresOnceAndOnlyIt() async throws {
        let watch = DeadlineWatch(tick: .milliseconds(10))
        let fired = NIOLockedValueBox<[String]>([])
        let started = ContinuousClock.now
        _ = watch.add(expiringAfter: .milliseconds(30)) { fired.withLockedValue { $0.append("soon") } }
        let later = watch.add(expiringAfter: .seconds(30)) { fired.withLockedValue { $0.append("later") } }
        while fired.withLockedValue({ $0.isEmpty }) && ContinuousClock.now - started < .seconds(5) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let waited = ContinuousClock.now - started
        try await Task.sleep(for: .milliseconds(100))
        #expect(fired.withLockedValue { $0 } == ["soon"])
        #expect(waited >= .milliseconds(30) && waited < .seconds(2))
        #expect(watch.pendingCount == 1 && watch.isWatching)
        watch.remove(later)
        try await Task.sleep(for: .milliseconds(100))
        #expect(!watch.isWatching)
    }
}
