import Foundation
import SwitchboardTestSupport
import Testing

@testable import Callback

/// Every view and event payload callback writes has all of its keys, `null` when unset
/// (issue #13; `EncodedKeysAudit`): the case that matters is every optional nil.
@Suite("Callback views write every key")
struct CallbackViewKeysTests {
    let at = Date(timeIntervalSince1970: 1_772_000_000)

    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    /// Scheduled from nowhere for nobody known: no contact, interaction, zone, notes, name,
    /// outcome, firing or completion (schema `Callback`; payload of `callback.*`).
    var bare: CallbackView {
        CallbackView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", phone: "+14155550100", contactId: nil, interactionId: nil, dueAt: at, timeZone: nil,
            target: CallbackTarget(type: .queue, id: "sales"), channel: .voice, notes: nil, state: .scheduled, scheduledBy: "kate",
            scheduledByName: nil, outcome: nil, createdAt: at, updatedAt: at, firedAt: nil, completedAt: nil)
    }

    var completed: CallbackView {
        CallbackView(
            id: "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44", phone: "+14155550100", contactId: "c-1", interactionId: "i-1", dueAt: at,
            timeZone: "America/New_York", target: CallbackTarget(type: .agent, id: "kate"), channel: .sms, notes: "After 5 pm",
            state: .completed, scheduledBy: "kate", scheduledByName: "Kate Lewis", outcome: "reached", createdAt: at, updatedAt: at,
            firedAt: at, completedAt: at)
    }

    @Test func callbackWithNothingSet() throws {
        let audit = try EncodedKeysAudit(of: bare)
        expectComplete(audit)
        #expect(
            audit.nullKeys == [
                "completed_at", "contact_id", "fired_at", "interaction_id", "notes", "outcome", "scheduled_by_name", "time_zone",
            ])
    }

    @Test func callbackWithEverythingSet() throws {
        let audit = try EncodedKeysAudit(of: completed)
        expectComplete(audit)
        #expect(audit.nullKeys == [])
        expectComplete(try EncodedKeysAudit(of: CallbackTarget(type: .queue, id: "sales")))
    }

    /// `GET /v1/callbacks` (schema `CallbackPage`).
    @Test func callbackPage() throws {
        let audit = try EncodedKeysAudit(of: CallbackPage(items: [bare], next: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
        expectComplete(try EncodedKeysAudit(of: CallbackPage(items: [completed], next: "cursor")))
    }
}
