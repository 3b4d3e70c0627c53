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
}
