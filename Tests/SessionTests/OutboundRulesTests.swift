import Foundation
import HTTPTypes
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Session

@Suite("An agent's SMS text: trimmed, not empty, at most the configured parts")
struct MessageTextTests {
    @Test func isTrimmedAndSegmented() throws {
        let message = try MessageText("  Your order has shipped.\n", maxParts: 10)
        #expect(message.text == "Your order has shipped.")
        #expect(message.segmentation.encoding == .gsm7)
        #expect(message.segmentation.parts == ["Your order has shipped."])
    }

    @Test(arguments: ["", "   ", "\n\t \n"])
    func blankIsEmpty(raw: String) {
        #expect(throws: MessageText.Refusal.empty) { try MessageText(raw, maxParts: 10) }
    }

    /// 153 septets per part once several are needed: 459 characters fit three, 460 need four.
    @Test func moreThanTheMaximumIsTooLong() throws {
        #expect(try MessageText(String(repeating: "a", count: 459), maxParts: 3).segmentation.parts.count == 3)
        #expect(throws: MessageText.Refusal.tooLong(parts: 4, max: 3)) { try MessageText(String(repeating: "a", count: 460), maxParts: 3) }
    }
}

@Suite("The channel of an agent-initiated interaction")
struct OutboundChannelChoiceTests {
    @Test func theRequestedChannelWins() {
        #expect(
            OutboundChannelChoice.channel(requested: "vonage-eu", lastOfConversation: "twilio", lastOfOrganisationNumber: "kannel") == "vonage-eu")
    }

    @Test func elseTheConversationsLatest() {
        #expect(OutboundChannelChoice.channel(requested: nil, lastOfConversation: "twilio", lastOfOrganisationNumber: "kannel") == "twilio")
    }

    @Test func elseTheOrganisationNumbersLatest() {
        #expect(OutboundChannelChoice.channel(requested: nil, lastOfConversation: nil, lastOfOrganisationNumber: "kannel") == "kannel")
    }

    @Test func elseDefault() {
        #expect(OutboundChannelChoice.channel(requested: nil, lastOfConversation: nil, lastOfOrganisationNumber: nil) == "default")
    }
}

/// Bodies for the refusal cases (outside the suite: a test's arguments cannot name the suite's own members).
private enum Sample {
    static let customer = "+14155550100"
    static let organisation = "+14155550199"

    static func body(_ to: String?, _ from: String?, _ text: String?, channel: String? = nil) -> OutboundRequestValidator.Body {
        OutboundRequestValidator.Body(to: to, from: from, text: text, channel: channel)
    }
}

@Suite("POST /v1/interactions: the body's rules")
struct OutboundRequestValidatorTests {
    let validator = OutboundRequestValidator(defaultRegion: "US", maxParts: 2)

    /// A valid body, written as a desk might, with one field changed.
    func valid(
        to: String? = "(415) 555-0100", from: String? = "+1 415 555 0199", text: String? = " Hello ", channel: String? = nil
    )
        -> OutboundRequestValidator.Body
    {
        OutboundRequestValidator.Body(to: to, from: from, text: text, channel: channel)
    }

    @Test func numbersAreNormalisedAndTheTextTrimmed() throws {
        let draft = try validator.draft(valid())
        #expect(draft.customer == "+14155550100")
        #expect(draft.organisation == "+14155550199")
        #expect(draft.message.text == "Hello")
        #expect(draft.channel == nil)
    }

    @Test func theOrganisationMayBeAShortCode() throws {
        #expect(try validator.draft(valid(from: "74000")).organisation == "74000")
    }

    /// A blank channel counts as absent: the service chooses it.
    @Test(arguments: [nil, " ", "twilio-main"])
    func theChannelIsTakenOrLeftToChoose(channel: String?) throws {
        let expected = channel == "twilio-main" ? "twilio-main" : nil
        #expect(try validator.draft(valid(channel: channel)).channel == expected)
    }

    @Test(arguments: [
        (Sample.body(nil, Sample.organisation, "Hi"), "422 invalid_request", "to is required"),
        (Sample.body("", Sample.organisation, "Hi"), "422 invalid_request", "to is required"),
        (Sample.body("hello", Sample.organisation, "Hi"), "422 invalid_request", "to is not a phone number"),
        (Sample.body("74000", Sample.organisation, "Hi"), "422 invalid_request", "to is not a phone number"),
        (Sample.body(Sample.customer, nil, "Hi"), "422 invalid_request", "from is required"),
        (Sample.body(Sample.customer, "+1415", "Hi"), "422 invalid_request", "from is not a phone number or short code"),
        (Sample.body(Sample.customer, Sample.organisation, nil), "422 empty_reply", "text is empty"),
        (Sample.body(Sample.customer, Sample.organisation, " \n "), "422 empty_reply", "text is empty"),
        (
            Sample.body(Sample.customer, Sample.organisation, String(repeating: "a", count: 307)), "422 reply_too_long",
            "text needs 3 SMS parts; at most 2"
        ),
        (Sample.body(Sample.customer, Sample.organisation, "Hi", channel: "two words"), "422 invalid_request", "channel must be"),
        (
            Sample.body(Sample.customer, Sample.organisation, "Hi", channel: String(repeating: "c", count: 65)), "422 invalid_request",
            "channel must be"
        ),
    ])
    func refusalsNameTheField(body: OutboundRequestValidator.Body, statusAndCode: String, detail: String) {
        do {
            _ = try validator.draft(body)
            Issue.record("accepted \(body)")
        } catch {
            #expect("\(error.status.code) \(error.code)" == statusAndCode)
            #expect(error.detail?.hasPrefix(detail) == true, "\(error)")
        }
    }
}

@Suite("Interaction origins")
struct InteractionOriginTests {
    @Test func inboundAndOutbound() {
        #expect(InteractionMode.session.origin(hasMedia: false) == "Inbound SMS Session Mode")
        #expect(InteractionMode.page.origin(hasMedia: true) == "Inbound MMS Page Mode")
        #expect(InteractionMode.session.outboundOrigin == "Outbound SMS Session Mode")
    }
}
