import Foundation
import SwitchboardModels
import SwitchboardTestSupport
import Testing

@testable import Session

/// Every view session answers with writes all of its keys, `null` when unset (issue #13;
/// `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Session views write every key")
struct SessionViewKeysTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)

    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    // MARK: Interaction (schemas `InteractionSummary`, `Interaction`, `InteractionPage`)

    func interaction(everything: Bool, transcript: [TranscriptEntryView]? = nil) -> InteractionView {
        InteractionView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", state: everything ? "closed" : "queued", mode: "session", media: "sms",
            channel: "default", from: "+14155550100", to: "+14155550199", queue: "default", origin: "Inbound SMS Session Mode",
            contact: everything ? PartyView(id: "c-1", name: "Kate Lewis") : nil,
            owner: everything ? PartyView(id: "sam", name: "Sam Other") : nil, createdAt: at, closedAt: everything ? at : nil,
            closeReason: everything ? "done" : nil, elapsedSeconds: everything ? 60 : 0, disposition: everything ? "resolved" : nil,
            note: everything ? "" : nil, caseData: everything ? ["account": "123"] : [:], transcript: transcript
        )
    }

    /// As a list shows it: no `transcript` (a plain optional, left out on purpose:
    /// `InteractionSummary` has no such key), every other key present.
    @Test func interactionSummaryWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: interaction(everything: false))
        #expect(audit.missing == ["transcript"])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == ["close_reason", "closed_at", "contact", "disposition", "note", "owner"])
    }

    @Test func interactionSummaryWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: interaction(everything: true))
        #expect(audit.missing == ["transcript"])
        #expect(audit.unexpected == [])
        #expect(audit.nullKeys == [])
    }

    /// As a single read shows it, with its transcript.
    @Test func interactionWithTranscript() throws {
        expectComplete(try EncodedKeysAudit(of: interaction(everything: false, transcript: [])))
        expectComplete(try EncodedKeysAudit(of: interaction(everything: true, transcript: [systemEntry, replyEntry])))
    }

    @Test func interactionPage() throws {
        let last = try EncodedKeysAudit(of: ListPage(items: [interaction(everything: false)], next: nil))
        expectComplete(last)
        #expect(last.nullKeys == ["next"])
        expectComplete(try EncodedKeysAudit(of: ListPage(items: [InteractionView](), next: "cursor")))
    }

    // MARK: Parties and transcript entries (schemas `Party`, `Author`, `TranscriptEntry`)

    @Test func partyWithoutName() throws {
        let audit = try EncodedKeysAudit(of: PartyView(id: "c-1", name: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["name"])
        expectComplete(try EncodedKeysAudit(of: PartyView(id: "c-1", name: "Kate Lewis")))
    }

    @Test func systemAuthor() throws {
        let audit = try EncodedKeysAudit(of: AuthorView(type: "system", id: nil, name: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["id", "name"])
        expectComplete(try EncodedKeysAudit(of: AuthorView(type: "agent", id: "sam", name: "Sam Other")))
    }

    /// A system entry: no direction, an author without id or name.
    var systemEntry: TranscriptEntryView {
        TranscriptEntryView(
            seq: 1, kind: "system", direction: nil, author: AuthorView(type: "system", id: nil, name: nil), text: "Callback scheduled",
            at: at, media: [], parts: [], entities: .empty
        )
    }

    var replyEntry: TranscriptEntryView {
        TranscriptEntryView(
            seq: 2, kind: "message", direction: "outbound", author: AuthorView(type: "agent", id: "sam", name: "Sam Other"),
            text: "See www.example.com", at: at, media: ["m-1"], parts: [TranscriptEntryView.PartView(text: "See www.example.com", status: "sent")],
            entities: TranscriptEntities(
                urls: [URLEntity(text: "www.example.com", display: "http://www.example.com", suspicious: false)], phones: ["+14155550100"],
                emails: ["kate@example.com"])
        )
    }

    @Test func systemEntryWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: systemEntry)
        expectComplete(audit)
        #expect(audit.nullKeys == ["direction"])
    }

    /// A part that did not fail: its carrier error keys are present, `null`.
    @Test func partWithoutError() throws {
        let audit = try EncodedKeysAudit(of: TranscriptEntryView.PartView(text: "Hi", status: "queued"))
        expectComplete(audit)
        #expect(audit.nullKeys == ["error_code", "error_reason"])
    }

    @Test func messageEntryWithEverythingSet() throws {
        expectComplete(try EncodedKeysAudit(of: replyEntry))
        expectComplete(
            try EncodedKeysAudit(
                of: TranscriptEntryView.PartView(text: "Hi", status: "failed", errorCode: "30003", errorReason: "Unreachable destination handset")))
        expectComplete(try EncodedKeysAudit(of: replyEntry.entities))
        expectComplete(try EncodedKeysAudit(of: TranscriptEntities.empty))
        expectComplete(try EncodedKeysAudit(of: URLEntity(text: "www.example.com", display: "http://www.example.com", suspicious: false)))
    }

    // MARK: Consultations (schemas `Consultation`, `ConsultationList`, `ConsultationEventData`)

    func consultation(ended: Bool) -> ConsultationView {
        ConsultationView(
            id: "7c1e5b1a-3f0d-4d8e-9a57-0c2b6f1d0a44", interactionId: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44",
            fromAgent: PartyView(id: "kate", name: "Kate Lewis"), agent: PartyView(id: "bob", name: nil), state: ended ? "ended" : "open",
            startedAt: at, endedAt: ended ? at : nil, endedBy: ended ? PartyView(id: "boss", name: "Sue Pervisor") : nil)
    }

    @Test func openConsultation() throws {
        let audit = try EncodedKeysAudit(of: consultation(ended: false))
        expectComplete(audit)
        #expect(audit.nullKeys == ["ended_at", "ended_by"])
        #expect(try EncodedKeysAudit(of: consultation(ended: false).agent).nullKeys == ["name"], "session has no agent directory")
        expectComplete(try EncodedKeysAudit(of: consultation(ended: true)))
        #expect(try EncodedKeysAudit(of: consultation(ended: true)).nullKeys == [])
    }

    @Test func consultationList() throws {
        expectComplete(try EncodedKeysAudit(of: ConsultationRoutes.List(items: [consultation(ended: false)])))
        expectComplete(try EncodedKeysAudit(of: ConsultationRoutes.List(items: [])))
    }

    /// `interaction.consultation.started` and `.ended` carry no `entry` (a plain optional, left
    /// out on purpose); `.message` carries every key, its entry of kind `internal`.
    @Test func consultationEvents() throws {
        let started = try EncodedKeysAudit(of: InteractionConsultationChanged(interactionId: "i-1", consultation: consultation(ended: false)))
        #expect(started.missing == ["entry"])
        #expect(started.unexpected == [])
        let internalEntry = TranscriptEntryView(
            seq: 3, kind: "internal", direction: nil, author: AuthorView(type: "agent", id: "bob", name: "Bob Other"),
            text: "The refund went out yesterday", at: at, media: [], parts: [], entities: .empty)
        let message = try EncodedKeysAudit(
            of: InteractionConsultationChanged(interactionId: "i-1", consultation: consultation(ended: false), entry: internalEntry))
        expectComplete(message)
        #expect(try EncodedKeysAudit(of: internalEntry).nullKeys == ["direction"])
    }

    // MARK: Standard responses (schemas `StandardResponse`, `StandardResponseList`)

    func standardResponse(shortcut: String?) -> StandardResponse {
        StandardResponse(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", name: "Greeting", shortcut: shortcut, text: "Hello!", usageCount: 0, createdAt: at,
            updatedAt: at)
    }

    @Test func standardResponseWithoutShortcut() throws {
        let audit = try EncodedKeysAudit(of: standardResponse(shortcut: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["shortcut"])
        expectComplete(try EncodedKeysAudit(of: standardResponse(shortcut: "hi")))
    }

    @Test func standardResponseList() throws {
        let audit = try EncodedKeysAudit(of: StandardResponseRoutes.List(items: [standardResponse(shortcut: nil)], next: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
    }

    // MARK: The other answers (no optional property; a key dropped by a rename would show)

    @Test func otherAnswers() throws {
        expectComplete(
            try EncodedKeysAudit(
                of: InteractionCommands.ReplyResult(messageId: "m-1", seq: 2, encoding: "gsm7", parts: ["Hello"], closed: false)))
        expectComplete(try EncodedKeysAudit(of: InteractionRoutes.CaseDataResponse(caseData: [:])))
        expectComplete(
            try EncodedKeysAudit(
                of: SettingsRoutes.NumberSettingsView(
                    number: "+14155550199", mode: .session, queue: "default", inactivityTimeoutSeconds: 3600, dispositionRequired: false,
                    configured: false)))
        expectComplete(
            try EncodedKeysAudit(
                of: SettingsRoutes.PreviewView(
                    encoding: "gsm7", parts: ["Helo"], charactersRemaining: 156, maxParts: 10, tooLong: false,
                    misspelled: [Misspelling(word: "Helo", offset: 0, length: 4, suggestions: ["Hello"])])))
        expectComplete(try EncodedKeysAudit(of: Misspelling(word: "Helo", offset: 0, length: 4, suggestions: [])))
        expectComplete(
            try EncodedKeysAudit(of: SettingsRoutes.DispositionList(items: [DispositionCatalog.Code(code: "resolved", label: "Resolved")])))
        expectComplete(try EncodedKeysAudit(of: DispositionCatalog.Code(code: "resolved", label: "Resolved")))
    }
}
