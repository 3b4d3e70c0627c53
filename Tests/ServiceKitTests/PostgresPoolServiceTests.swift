import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SwitchboardTestSupport
import Testing

@testable import SwitchboardServiceKit

/// The PostgreSQL pools close last at shutdown. A close that never finishes must not hold
/// the process until ServiceLifecycle traps; one that finishes is waited for.
@Suite("Closing a PostgreSQL pool at shutdown")
struct PostgresPoolServiceTests {
    @Test func aCloseThatNeverFinishesIsLeftAtItsLimitWithAWarning() async throws {
        let warnings = RecordedWarnings()
        let started = Flag()
        let service = PostgresPoolService(name: "database", closeLimit: .milliseconds(200), logger: warnings.logger) {
            started.raise()
            // Deaf to cancellation, as the pool was when its close never finished.
            await Task.detached { try? await Task.sleep(for: .seconds(60)) }.value
        }
        let took = try await GracefulStop.timed([service])
        #expect(started.isRaised, "the pool ran")
        #expect(took >= .milliseconds(200), "the close was given its limit (\(took))")
        #expect(took < .seconds(2), "the part ended at its limit, not with the pool (\(took))")
        #expect(warnings.messages.count == 1, "\(warnings.messages)")
        #expect(warnings.messages.first?.contains("pool=database") == true, "\(warnings.messages)")
    }

    /// When the group is cancelled (its time is up, or another part failed) nothing waits: the
    /// pool is left at once, and that is not reported as a close that took too long.
    @Test func aCancelledGroupLeavesThePoolAtOnceWithoutAWarning() async throws {
        let warnings = RecordedWarnings()
        let service = PostgresPoolService(name: "database", closeLimit: .seconds(5), logger: warnings.logger) {
            await Task.detached { try? await Task.sleep(for: .seconds(60)) }.value
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        running.cancel()
        _ = try? await running.value
        let took = ContinuousClock.now - start
        #expect(took < .seconds(2), "the part ended at the cancellation, not at its limit (\(took))")
        #expect(warnings.messages.isEmpty, "\(warnings.messages)")
    }

    @Test func aPoolThatClosesIsCancelledAndWaitedForWithoutAWarning() async throws {
        let warnings = RecordedWarnings()
        let closed = Flag()
        let service = PostgresPoolService(name: "database", closeLimit: .seconds(5), logger: warnings.logger) {
            // Runs until cancelled, as `PostgresClient.run()` does, then takes a while to close.
            try? await Task.sleep(for: .seconds(60))
            await Task.detached { try? await Task.sleep(for: .milliseconds(300)) }.value
            closed.raise()
        }
        let took = try await GracefulStop.timed([service])
        #expect(closed.isRaised, "the part ended after the pool had closed")
        #expect(took < .seconds(5), "the pool was cancelled at shutdown (\(took))")
        #expect(warnings.messages.isEmpty, "\(warnings.messages)")
    }

    @Test func thePoolSeesThePartsGracefulShutdown() async throws {
        let warnings = RecordedWarnings()
        let shutDown = Flag()
        let service = PostgresPoolService(name: "readiness", closeLimit: .seconds(5), logger: warnings.logger) {
            // `PostgresClient.run()` ends at its part's graceful shutdown (through the task local).
            await withGracefulShutdownHandler {
                await Task.detached { try? await Task.sleep(for: .milliseconds(400)) }.value
            } onGracefulShutdown: {
                shutDown.raise()
            }
        }
        _ = try await GracefulStop.timed([service])
        #expect(shutDown.isRaised, "the pool's run was told of the shutdown")
        #expect(warnings.messages.isEmpty, "\(warnings.messages)")
    }
}

/// Whether something happened, across tasks.
private final class Flag: Sendable {
    private let raised = NIOLockedValueBox(false)
    var isRaised: Bool { raised.withLockedValue { $0 } }
    func raise() { raised.withLockedValue { $0 = true } }
}

/// The warnings a logger was given, each as its message and metadata.
private final class RecordedWarnings: Sendable {
    private let recorded = NIOLockedValueBox<[String]>([])
    var messages: [String] { recorded.withLockedValue { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(warnings: self) }
    }

    func record(_ line: String) { recorded.withLockedValue { $0.append(line) } }

    private struct Handler: LogHandler {
        let warnings: RecordedWarnings
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            guard event.level >= .warning else { return }
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            warnings.record(([event.message.description] + fields).joined(separator: " "))
        }
    }
}
