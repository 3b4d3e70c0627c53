import Foundation
import SwitchboardModels
import SwitchboardServiceKit

/// The request bodies of the callback API and their rules. Every field is decoded as
/// optional so that a missing or wrong field is a 422 that names it, rather than a generic
/// 400 from the JSON decoder (which remains for bodies that are not JSON objects or carry
/// the wrong JSON type).
struct CallbackRequestValidator: Sendable {
    let defaultRegion: String
    let policy: DueTimePolicy

    static let maxNotesLength = 4000
    static let maxOutcomeLength = 200
    static let maxContactIDLength = 200

    struct TargetBody: Decodable, Sendable {
        var type: String?
        var id: String?
    }

    /// `POST /v1/callbacks`.
    struct ScheduleBody: Decodable, Sendable {
        var phone: String?
        var contactId: String?
        var interactionId: String?
        var dueAt: String?
        var date: String?
        var time: String?
        var timeZone: String?
        var target: TargetBody?
        var channel: String?
        var notes: String?
    }

    /// `PATCH /v1/callbacks/{id}`. `phone`, `channel`, `contact_id` and `interaction_id` are
    /// decoded only to refuse them: a different number or channel is another callback.
    struct ChangeBody: Decodable, Sendable {
        var dueAt: String?
        var date: String?
        var time: String?
        var timeZone: String?
        var notes: String?
        var target: TargetBody?
        var phone: String?
        var channel: String?
        var contactId: String?
        var interactionId: String?
    }

    /// `POST /v1/callbacks/{id}/complete`.
    struct CompleteBody: Decodable, Sendable {
        var outcome: String?
    }

    func draft(_ body: ScheduleBody, now: Date) throws(APIError) -> CallbackDraft {
        guard let rawPhone = body.phone, !rawPhone.isEmpty else { throw .invalid("phone is required (E.164, or national in \(defaultRegion))") }
        let phone: String
        do { phone = try PhoneNumberNormalizer().normalize(rawPhone, defaultRegion: defaultRegion) } catch {
            throw .invalid("phone is not a phone number: \(error.description)")
        }
        guard let targetBody = body.target else {
            throw .invalid(#"target is required: {"type": "agent" or "queue", "id": "..."}"#)
        }
        return CallbackDraft(
            phone: phone, contactID: try contactID(body.contactId), interactionID: try interactionID(body.interactionId),
            due: try due(dueAt: body.dueAt, date: body.date, time: body.time, timeZone: body.timeZone, now: now),
            target: try target(targetBody), channel: try channel(body.channel), notes: try notes(body.notes)
        )
    }

    func change(_ body: ChangeBody, now: Date) throws(APIError) -> CallbackChange {
        for (field, value) in [
            ("phone", body.phone), ("channel", body.channel), ("contact_id", body.contactId), ("interaction_id", body.interactionId),
        ]
        where value != nil {
            throw .invalid("\(field) cannot be changed: cancel this callback and schedule a new one")
        }
        var change = CallbackChange()
        if DueTimePolicy.mentionsDueTime(dueAt: body.dueAt, date: body.date, time: body.time, timeZone: body.timeZone) {
            change.due = try due(dueAt: body.dueAt, date: body.date, time: body.time, timeZone: body.timeZone, now: now)
        }
        if let text = body.notes {
            let validated = try notes(text)
            change.notes = .some(validated)
        }
        if let targetBody = body.target { change.target = try target(targetBody) }
        guard !change.isEmpty else {
            throw .invalid("nothing to change: give due_at (or date, time and time_zone), notes or target")
        }
        return change
    }

    func outcome(_ body: CompleteBody) throws(APIError) -> String {
        let outcome = body.outcome?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !outcome.isEmpty else { throw .invalid("outcome is required (for example reached, no_answer, voicemail)") }
        guard outcome.count <= Self.maxOutcomeLength else { throw .invalid("outcome is longer than \(Self.maxOutcomeLength) characters") }
        return outcome
    }

    // MARK: Fields

    func due(dueAt: String?, date: String?, time: String?, timeZone: String?, now: Date) throws(APIError) -> DueTimePolicy.Resolved {
        do { return try policy.resolve(dueAt: dueAt, date: date, time: time, timeZone: timeZone, now: now) } catch {
            throw .invalid(error.detail)
        }
    }

    func target(_ body: TargetBody) throws(APIError) -> CallbackTarget {
        guard let type = body.type, let kind = CallbackTarget.Kind(rawValue: type) else {
            throw .invalid("target.type must be agent or queue")
        }
        guard let id = body.id, CallbackTarget.isValidID(id) else {
            throw .invalid("target.id must be 1 to \(CallbackTarget.maxIDLength) characters, without surrounding spaces or control characters")
        }
        return CallbackTarget(type: kind, id: id)
    }

    func channel(_ raw: String?) throws(APIError) -> CallbackChannel {
        guard let raw else { return .default }
        guard let channel = CallbackChannel(rawValue: raw) else { throw .invalid("channel must be voice or sms") }
        return channel
    }

    /// Empty notes are no notes.
    func notes(_ raw: String?) throws(APIError) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard raw.count <= Self.maxNotesLength else { throw .invalid("notes is longer than \(Self.maxNotesLength) characters") }
        return raw
    }

    func interactionID(_ raw: String?) throws(APIError) -> UUID? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw) else { throw .invalid("interaction_id must be an interaction's id (a UUID)") }
        return id
    }

    func contactID(_ raw: String?) throws(APIError) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        guard CallbackTarget.isValidID(raw), raw.count <= Self.maxContactIDLength else {
            throw .invalid("contact_id must be 1 to \(Self.maxContactIDLength) characters, without surrounding spaces or control characters")
        }
        return raw
    }
}
