import Foundation
import SwitchboardModels
import Testing

@testable import Callback

@Suite("Callback JSON, cursor and list query")
struct CallbackViewTests {
    let record = CallbackRecord(
        id: UUID(uuidString: "5B1E7C1A-3F0D-4D8E-9A57-0C2B6F1D0A44")!, phone: "+14155550100", contactID: nil, interactionID: nil,
        dueAt: ISO8601DateFormatter().date(from: "2026-03-08T07:30:00Z")!, timeZone: "America/New_York",
        target: CallbackTarget(type: .queue, id: "sales"), channel: .voice, notes: nil, state: .scheduled, scheduledBy: "kate",
        scheduledByName: "Kate Lewis", outcome: nil, createdAt: Date(timeIntervalSince1970: 1_772_000_000),
        updatedAt: Date(timeIntervalSince1970: 1_772_000_000), firedAt: nil, completedAt: nil
    )

    @Test func everyKeyIsPresentInSnakeCase() throws {
        let data = try SwitchboardJSON.encoder().encode(record.view)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "id", "phone", "contact_id", "interaction_id", "due_at", "time_zone", "target", "channel", "notes", "state",
                "scheduled_by", "scheduled_by_name", "outcome", "created_at", "updated_at", "fired_at", "completed_at",
            ])
        #expect(object["id"] as? String == "5b1e7c1a-3f0d-4d8e-9a57-0c2b6f1d0a44")
        #expect(object["due_at"] as? String == "2026-03-08T07:30:00.000Z")
        #expect(object["contact_id"] is NSNull)
        #expect(object["target"] as? [String: String] == ["type": "queue", "id": "sales"])
        #expect(object["state"] as? String == "scheduled")
    }

    @Test func viewRoundTripsThroughTheEventEnvelope() throws {
        let event = CloudEvent(
            id: "e1", source: "/switchboard/callback", eventType: "callback.due", time: Date(), subject: nil, traceparent: nil,
            data: record.view
        )
        let decoded = try SwitchboardJSON.decoder().decode(CloudEvent<CallbackView>.self, from: try SwitchboardJSON.encoder().encode(event))
        #expect(decoded.data == record.view)
        #expect(decoded.type == "switchboard.callback.due")
    }

    @Test func contactMergedDecodes() throws {
        let json =
            #"{"specversion": "1.0", "id": "m1", "source": "/switchboard/contacts", "type": "switchboard.contact.merged", "time": "2026-03-01T12:00:00Z", "datacontenttype": "application/json", "data": {"id": "merge-1", "target_id": "c-1", "source_id": "c-2", "at": "2026-03-01T12:00:00Z", "undone_at": null}}"#
        let event = try SwitchboardJSON.decoder().decode(CloudEvent<ContactMerged>.self, from: Data(json.utf8))
        #expect(event.data.sourceId == "c-2")
        #expect(event.data.targetId == "c-1")
    }

    @Test func cursorKeepsTheDueTimeToTheMicrosecond() throws {
        let cursor = KeysetCursor(at: record.dueAt, id: try #require(UUID(uuidString: record.view.id)))
        #expect(KeysetCursor(encoded: cursor.encoded) == cursor)
        #expect(abs(cursor.date.timeIntervalSince(record.dueAt)) < 0.000_001)
    }

    @Test func targetParameter() {
        #expect(CallbackTarget(parameter: "agent:kate") == CallbackTarget(type: .agent, id: "kate"))
        #expect(CallbackTarget(parameter: "queue:a:b")?.id == "a:b")
        #expect(CallbackTarget(parameter: "team:x") == nil)
        #expect(CallbackTarget(parameter: "agent:") == nil)
        #expect(CallbackTarget(parameter: "kate") == nil)
        #expect(CallbackTarget(type: .queue, id: "sales").parameter == "queue:sales")
    }
}
