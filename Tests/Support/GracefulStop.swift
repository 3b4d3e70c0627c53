import Logging
public import ServiceLifecycle

/// Runs services the way a process's group does and stops them as SIGTERM would, for tests
/// of what a part does at shutdown.
public enum GracefulStop {
    /// Runs `services` in a group, triggers its graceful shutdown after `running`, and says
    /// how long the group took from then to end.
    public static func timed(_ services: [any Service], running: Duration = .milliseconds(100)) async throws -> Duration {
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "test")))
        let run = Task { try await group.run() }
        try await Task.sleep(for: running)
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await run.value
        return ContinuousClock.now - start
    }
}
