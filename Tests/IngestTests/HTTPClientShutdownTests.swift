import Logging
import SwitchboardTestSupport
import Testing

@testable import Ingest

/// Ingest's carrier HTTP client is shut down when the service stops, and the services after
/// it in the group (the relay, the broker connections, the database pool) wait for that. A
/// client whose shutdown never ends must not hold them until ServiceLifecycle traps.
@Suite("Shutting the carrier HTTP client down")
struct HTTPClientShutdownTests {
    @Test func aShutdownThatNeverEndsIsGivenUpAtItsLimit() async throws {
        let called = Flag()
        let service = HTTPClientShutdown(limit: .milliseconds(200), logger: Logger(label: "test")) {
            await called.raise()
            // Deaf to cancellation, as a pool waiting for its connections to close is.
            await Task.detached { try? await Task.sleep(for: .seconds(60)) }.value
        }
        let took = try await GracefulStop.timed([service])
        #expect(await called.isRaised, "the client's shutdown was started")
        #expect(took < .seconds(2), "the service ended at its limit, not with the client (\(took))")
    }

    @Test func aShutdownThatEndsIsWaitedFor() async throws {
        let finished = Flag()
        let service = HTTPClientShutdown(limit: .seconds(5), logger: Logger(label: "test")) {
            try await Task.sleep(for: .milliseconds(300))
            await finished.raise()
        }
        _ = try await GracefulStop.timed([service])
        #expect(await finished.isRaised, "the service ended after the client had shut down")
    }
}

/// Whether something happened, across tasks.
private actor Flag {
    private(set) var isRaised = false
    func raise() { isRaised = true }
}
