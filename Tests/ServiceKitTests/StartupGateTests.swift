import Testing

@testable import SwitchboardServiceKit

@Suite("Start-up gate")
struct StartupGateTests {
    @Test func openingReleasesWaiters() async {
        let gate = StartupGate()
        let waiter = Task { await gate.wait() }
        try? await Task.sleep(for: .milliseconds(20))
        gate.open()
        #expect(await waiter.value)
        #expect(await gate.wait(), "an open gate does not wait")
    }

    /// A waiter that is cancelled (or shut down) gives up instead of hanging until the
    /// shutdown deadline.
    @Test func aCancelledWaiterGivesUp() async {
        let gate = StartupGate()
        let waiter = Task { await gate.wait() }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(!gate.isOpen)
    }
}
