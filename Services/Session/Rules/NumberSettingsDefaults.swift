import SwitchboardServiceKit

/// The settings an organisation number has until an administrator sets its own
/// (DESIGN.md section 4), from the environment:
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_DEFAULT_MODE` | `session` (`page` or `session`) |
/// | `SWITCHBOARD_DEFAULT_QUEUE` | `default` |
/// | `SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS` | `1800` |
/// | `SWITCHBOARD_DISPOSITION_REQUIRED` | `false` |
struct NumberSettingsDefaults: Sendable, Equatable {
    var mode: InteractionMode
    var queue: String
    var inactivityTimeoutSeconds: Int
    var dispositionRequired: Bool

    init(mode: InteractionMode, queue: String, inactivityTimeoutSeconds: Int, dispositionRequired: Bool) {
        self.mode = mode
        self.queue = queue
        self.inactivityTimeoutSeconds = inactivityTimeoutSeconds
        self.dispositionRequired = dispositionRequired
    }

    init(environment: Environment) throws(ConfigurationError) {
        let mode = try environment.choice("SWITCHBOARD_DEFAULT_MODE", default: "session", allowed: ["page", "session"])
        self.mode = InteractionMode(rawValue: mode) ?? .session
        queue = environment.string("SWITCHBOARD_DEFAULT_QUEUE", default: "default")
        inactivityTimeoutSeconds = try environment.int("SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS", default: 1800, in: 10...604_800)
        let required = try environment.choice("SWITCHBOARD_DISPOSITION_REQUIRED", default: "false", allowed: ["true", "false"])
        dispositionRequired = required == "true"
    }
}
