import Logging
import ServiceLifecycle
import Testing

@testable import SwitchboardServiceKit

/// ServiceLifecycle names each part of a service group in its logs and errors; by default
/// that is the part's description, which for a struct is every field — the database
/// configuration's password among them.
@Suite("Naming the parts of a service group")
struct ServiceGroupNamingTests {
    @Test func partsAreNamedByTheirTypeAndNeverByTheirFields() {
        let named = ServiceRuntime.named([
            PartWithASecret(password: "hunter2"), PartWithASecret(password: "hunter2"), OtherPart(),
        ])
        #expect(named.map(\.serviceName) == ["PartWithASecret", "PartWithASecret#2", "OtherPart"])
        #expect(!named.contains { $0.serviceName.contains("hunter2") })
    }

    @Test func theGroupsStepsAreLoggedAtInfoButAQuieterLevelIsKept() {
        var logger = Logger(label: "test")
        logger.logLevel = .info
        #expect(ServiceRuntime.lifecycleLogger(logger).logLevel == .debug)
        logger.logLevel = .warning
        #expect(ServiceRuntime.lifecycleLogger(logger).logLevel == .warning)
        logger.logLevel = .trace
        #expect(ServiceRuntime.lifecycleLogger(logger).logLevel == .trace)
    }
}

private struct PartWithASecret: Service {
    let password: String
    func run() async throws {}
}

private struct OtherPart: Service {
    func run() async throws {}
}
