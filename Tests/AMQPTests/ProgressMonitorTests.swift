import SwitchboardAMQP
import Testing

@Suite("Progress watchdog")
struct ProgressMonitorTests {
    @Test func idleIsNeverStalled() async throws {
        let monitor = ProgressMonitor(name: "idle", stallAfter: .milliseconds(20))
        try await Task.sleep(for: .milliseconds(50))
        #expect(!monitor.isStalled)
    }

    @Test func heldWorkWithoutCompletionStalls() async throws {
        let registry = ProgressRegistry()
        let monitor = registry.monitor("consumer q", stallAfter: .milliseconds(50))
        monitor.hold(3)
        #expect(!monitor.isStalled, "the clock starts when work is taken on")
        try await Task.sleep(for: .milliseconds(80))
        #expect(monitor.isStalled)
        #expect(registry.stalled == ["consumer q"])
        monitor.completed()
        #expect(!monitor.isStalled, "a completion resets it")
        monitor.release(3)
        try await Task.sleep(for: .milliseconds(80))
        #expect(!monitor.isStalled, "nothing held: not stalled")
        #expect(registry.stalled.isEmpty)
    }
}
