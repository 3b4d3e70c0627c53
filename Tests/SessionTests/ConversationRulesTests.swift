import Foundation
import Testing
@testable import Session
import SwitchboardServiceKit

@Suite("Conversation placement and number settings")
struct ConversationRulesTests {
    @Test func sessionModeJoinsOpenSession() {
        #expect(ConversationPlacement.decide(mode: .session, openSessionID: "abc") == .join(interactionID: "abc"))
    }

    @Test func sessionModeOpensWhenNoneOpen() {
        #expect(ConversationPlacement.decide(mode: .session, openSessionID: nil) == .open)
    }

    @Test func pageModeAlwaysOpens() {
        #expect(ConversationPlacement.decide(mode: .page, openSessionID: "abc") == .open)
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
        let defaults = try NumberSettingsDefaults(environment: Environment([:]))
        #expect(defaults == NumberSettingsDefaults(mode: .session, queue: "default", inactivityTimeoutSeconds: 1800, dispositionRequired: false))
        let page = try NumberSettingsDefaults(environment: Environment([
            "SWITCHBOARD_DEFAULT_MODE": "page", "SWITCHBOARD_DEFAULT_QUEUE": "sales",
            "SWITCHBOARD_INACTIVITY_TIMEOUT_SECONDS": "600", "SWITCHBOARD_DISPOSITION_REQUIRED": "true",
        ]))
        #expect(page == NumberSettingsDefaults(mode: .page, queue: "sales", inactivityTimeoutSeconds: 600, dispositionRequired: true))
    }

    @Test func badModeIsAConfigurationError() {
        #expect(throws: ConfigurationError.self) {
            try NumberSettingsDefaults(environment: Environment(["SWITCHBOARD_DEFAULT_MODE": "chat"]))
        }
    }
}

@Suite("Interaction list cursor and query")
struct InteractionQueryTests {
    @Test func cursorRoundTrips() {
        let cursor = InteractionCursor(createdAtMicroseconds: 1_795_699_394_123_456, id: UUID())
        #expect(InteractionCursor(encoded: cursor.encoded) == cursor)
    }

    @Test(arguments: ["", "!!!", "bm90IGEgY3Vyc29y"])
    func foreignCursorIsRejected(text: String) {
        #expect(InteractionCursor(encoded: text) == nil)
    }
}
