import SwitchboardServiceKit

/// Per organisation number: mode, queue, inactivity timeout and whether a disposition is
/// required before Done (docs/architecture.md section 4). API shape of `GET/PUT /v1/numbers/{e164}`.
///
/// Numbers without their own settings use the defaults from the environment:
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_DEFAULT_MODE` | `session` (`page` or `session`) |
/// | `SWITCHBOARD_DEFAULT_QUEUE` | `default` |
/// | `SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS` | `1800` |
/// | `SWITCHBOARD_DISPOSITION_REQUIRED` | `false` |
struct NumberSettings: Codable, Sendable, Equatable {
    var mode: InteractionMode
    var queue: String
    var inactivityTimeoutSeconds: Int
    var dispositionRequired: Bool

    static let timeoutRange = 10...604_800

    init(mode: InteractionMode, queue: String, inactivityTimeoutSeconds: Int, dispositionRequired: Bool) {
        self.mode = mode
        self.queue = queue
        self.inactivityTimeoutSeconds = inactivityTimeoutSeconds
        self.dispositionRequired = dispositionRequired
    }

    static func defaults(environment: EnvironmentVariables) throws(ConfigurationError) -> NumberSettings {
        let mode = try environment.choice("SWITCHBOARD_DEFAULT_MODE", default: "session", allowed: ["page", "session"])
        let required = try environment.choice("SWITCHBOARD_DISPOSITION_REQUIRED", default: "false", allowed: ["true", "false"])
        let queue = environment.string("SWITCHBOARD_DEFAULT_QUEUE", default: "default")
        guard Self.isValidQueue(queue) else {
            throw .invalid(variable: "SWITCHBOARD_DEFAULT_QUEUE", reason: "1-64 letters, digits, '-', '_' or '.'")
        }
        return NumberSettings(
            mode: InteractionMode(rawValue: mode) ?? .session,
            queue: queue,
            inactivityTimeoutSeconds: try environment.int("SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS", default: 1800, in: timeoutRange),
            dispositionRequired: required == "true"
        )
    }

    /// Why settings sent by an administrator are not acceptable, or nil.
    var problem: String? {
        if !Self.isValidQueue(queue) { return "queue must be 1-64 letters, digits, '-', '_' or '.'" }
        if !Self.timeoutRange.contains(inactivityTimeoutSeconds) {
            return "inactivity_timeout_seconds must be between \(Self.timeoutRange.lowerBound) and \(Self.timeoutRange.upperBound)"
        }
        return nil
    }

    static func isValidQueue(_ queue: String) -> Bool {
        (1...64).contains(queue.count) && queue.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
