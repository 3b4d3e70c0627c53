import Foundation

/// One SMS waiting to be sent, or being sent (`ingest.outbound_sms`): a part of a reply, or
/// its whole text when the carrier concatenates (`part` 0).
struct QueuedSMS: Sendable, Equatable {
    var messageID: String
    /// 1-based part, or 0 for the whole text.
    var part: Int
    var partsTotal: Int
    var channel: String
    var interactionID: String?
    var from: String
    var to: String
    var text: String
    var encoding: String
    /// Our id of this SMS: unique, `[a-z0-9]`, 32 characters.
    var reference: String
    var attempts: Int = 0
    var traceparent: String?

    /// The part a `message.status` about this row names: nil (every part) for the whole text.
    var statusPart: Int? { part == 0 ? nil : part }
}
