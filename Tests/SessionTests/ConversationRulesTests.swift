import Foundation
import SwitchboardServiceKit
import Testing

@testable import Session

@Suite("Conversation placement and number settings")
struct ConversationRulesTests {
    @Test func sessionModeJoinsOpenSession() {
        let id = UUID()
        #expect(ConversationPlacement.decide(mode: .session, openSessionID: id) == .join(interactionID: id))
    }

    @Test func sessionModeOpensWhenNoneOpen() {
        #expect(ConversationPlacement.decide(mode: .session, openSessionID: nil) == .open)
    }

    @Test func pageModeAlwaysOpens() {
        #expect(ConversationPlacement.decide(mode: .page, openSessionID: UUID()) == .open)
    }

    @Test(arguments: [
        (InteractionMode.session, false, "Inbound SMS Session Mode"),
        (.session, true, "Inbound MMS Session Mode"),
        (.page, false, "Inbound SMS Page Mode"),
        (.page, true, "Inbound MMS Page Mode"),
    ])
    func originText(mode: InteractionMode, media: Bool, expected: String) {
        #expect(mode.origin(hasMedia: media) == expected)
    }

    @Test func defaultsFromEnvironment() throws {
        let defaults = try NumberSettings.defaults(environment: EnvironmentVariables([:]))
        #expect(defaults == NumberSettings(mode: .session, queue: "default", inactivityTimeoutSeconds: 1800, dispositionRequired: false))
        let page = try NumberSettings.defaults(
            environment: EnvironmentVariables([
                "SWITCHBOARD_DEFAULT_MODE": "page", "SWITCHBOARD_DEFAULT_QUEUE": "sales",
                "SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS": "600", "SWITCHBOARD_DISPOSITION_REQUIRED": "true",
            ]))
        #expect(page == NumberSettings(mode: .page, queue: "sales", inactivityTimeoutSeconds: 600, dispositionRequired: true))
    }

    @Test func badModeIsAConfigurationError() {
        #expect(throws: ConfigurationError.self) {
            try NumberSettings.defaults(environment: EnvironmentVariables(["SWITCHBOARD_DEFAULT_MODE": "chat"]))
        }
    }
}

@Suite("Number settings validation")
struct NumberSettingsTests {
    @Test(arguments: [
        (NumberSettings(mode: .session, queue: "sales", inactivityTimeoutSeconds: 600, dispositionRequired: true), nil as String?),
        (NumberSettings(mode: .session, queue: "", inactivityTimeoutSeconds: 600, dispositionRequired: true), "queue"),
        (NumberSettings(mode: .session, queue: "bad queue", inactivityTimeoutSeconds: 600, dispositionRequired: true), "queue"),
        (NumberSettings(mode: .page, queue: "sales", inactivityTimeoutSeconds: 5, dispositionRequired: false), "inactivity_timeout_seconds"),
        (NumberSettings(mode: .page, queue: "sales", inactivityTimeoutSeconds: 700_000, dispositionRequired: false), "inactivity_timeout_seconds"),
    ])
    func problems(settings: NumberSettings, field: String?) {
        if let field { #expect(settings.problem?.contains(field) == true) } else { #expect(settings.problem == nil) }
    }
}
