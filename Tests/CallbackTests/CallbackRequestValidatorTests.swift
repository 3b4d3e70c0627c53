import Foundation
import HTTPTypes
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Callback

@Suite("Callback request bodies: fields and the 422 that names them")
struct CallbackRequestValidatorTests {
    let validator = CallbackRequestValidator(defaultRegion: "US", policy: DueTimePolicy(maxAheadDays: 365))
    let now = ISO8601DateFormatter().date(from: "2026-03-01T12:00:00Z")!

    private func body(_ json: String) throws -> CallbackRequestValidator.ScheduleBody {
        try SwitchboardJSON.decoder().decode(CallbackRequestValidator.ScheduleBody.self, from: Data(json.utf8))
    }

    private func change(_ json: String) throws -> CallbackRequestValidator.ChangeBody {
        try SwitchboardJSON.decoder().decode(CallbackRequestValidator.ChangeBody.self, from: Data(json.utf8))
    }

    /// The 422 detail of `json`, or nil when it is valid.
    private func refusal(_ json: String) throws -> String? {
        do {
            _ = try validator.draft(try body(json), now: now)
            return nil
        } catch let error as APIError {
            #expect(error.status.code == 422)
            #expect(error.code == "invalid_request")
            return error.detail
        }
    }

    @Test func validRequestIsNormalised() throws {
        let draft = try validator.draft(
            try body(
                """
                {"phone": "(415) 555-0100", "contact_id": "c-1", "interaction_id": "0D9C2A4E-8F3B-4C1A-9E57-2B6F1D0A7C33",
                 "date": "2026-03-08", "time": "02:30", "time_zone": "America/New_York",
                 "target": {"type": "queue", "id": "sales"}, "notes": "mornings"}
                """), now: now)
        #expect(draft.phone == "+14155550100")
        #expect(draft.contactID == "c-1")
        #expect(draft.interactionID == UUID(uuidString: "0d9c2a4e-8f3b-4c1a-9e57-2b6f1d0a7c33"))
        #expect(draft.due.dueAt == ISO8601DateFormatter().date(from: "2026-03-08T07:30:00Z"))
        #expect(draft.due.timeZone == "America/New_York")
        #expect(draft.target == CallbackTarget(type: .queue, id: "sales"))
        #expect(draft.channel == .voice, "voice by default")
        #expect(draft.notes == "mornings")
    }

    @Test(arguments: [
        (#"{"due_at": "2026-03-02T10:00:00Z", "target": {"type": "agent", "id": "kate"}}"#, "phone"),
        (#"{"phone": "hello", "due_at": "2026-03-02T10:00:00Z", "target": {"type": "agent", "id": "kate"}}"#, "phone"),
        (#"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z"}"#, "target"),
        (#"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z", "target": {"type": "team", "id": "x"}}"#, "target.type"),
        (#"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z", "target": {"type": "agent", "id": ""}}"#, "target.id"),
        (#"{"phone": "+14155550100", "due_at": "2026-02-02T10:00:00Z", "target": {"type": "agent", "id": "kate"}}"#, "due_at"),
        (#"{"phone": "+14155550100", "target": {"type": "agent", "id": "kate"}}"#, "due_at"),
        (
            #"{"phone": "+14155550100", "date": "2026-03-02", "time": "10:00", "time_zone": "Mars/Olympus", "target": {"type": "agent", "id": "kate"}}"#,
            "time_zone"
        ),
        (#"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z", "channel": "fax", "target": {"type": "agent", "id": "kate"}}"#, "channel"),
        (
            #"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z", "interaction_id": "42", "target": {"type": "agent", "id": "kate"}}"#,
            "interaction_id"
        ),
    ])
    func invalidFieldIsNamed(json: String, field: String) throws {
        let detail = try refusal(json)
        #expect(detail?.hasPrefix(field) == true, "\(detail ?? "accepted")")
    }

    @Test func notesAreBounded() throws {
        let long = String(repeating: "x", count: CallbackRequestValidator.maxNotesLength + 1)
        let detail = try refusal(
            #"{"phone": "+14155550100", "due_at": "2026-03-02T10:00:00Z", "target": {"type": "agent", "id": "kate"}, "notes": "\#(long)"}"#)
        #expect(detail?.hasPrefix("notes") == true)
    }

    @Test func changeReschedulesOrEdits() throws {
        let reschedule = try validator.change(try change(#"{"due_at": "2026-03-02T10:00:00Z"}"#), now: now)
        #expect(reschedule.due?.dueAt == ISO8601DateFormatter().date(from: "2026-03-02T10:00:00Z"))
        #expect(reschedule.notes == nil && reschedule.target == nil)
        let clear = try validator.change(try change(#"{"notes": ""}"#), now: now)
        #expect(clear.notes == .some(nil), "empty notes clear them")
        #expect(clear.due == nil)
        let retarget = try validator.change(try change(#"{"target": {"type": "agent", "id": "lee"}}"#), now: now)
        #expect(retarget.target == CallbackTarget(type: .agent, id: "lee"))
    }

    @Test(arguments: [
        #"{}"#, #"{"phone": "+14155550100"}"#, #"{"channel": "sms"}"#, #"{"time_zone": "UTC"}"#, #"{"due_at": "2020-01-01T00:00:00Z"}"#,
    ])
    func invalidChangeIsRefused(json: String) throws {
        #expect(throws: APIError.self) { try validator.change(try change(json), now: now) }
    }

    @Test func outcomeIsRequired() throws {
        #expect(try validator.outcome(.init(outcome: " reached ")) == "reached")
        #expect(throws: APIError.self) { try validator.outcome(.init(outcome: nil)) }
        #expect(throws: APIError.self) { try validator.outcome(.init(outcome: "  ")) }
    }
}
