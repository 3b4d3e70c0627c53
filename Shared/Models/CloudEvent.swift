public import Foundation

/// A CloudEvents 1.0 event in structured mode: how every Switchboard domain event travels
/// (`content_type = application/cloudevents+json`).
public struct CloudEvent<Payload: Codable & Sendable>: Codable, Sendable {
    public var specversion: String
    /// Equals the AMQP `message_id`.
    public var id: String
    /// `/switchboard/<service>`.
    public var source: String
    /// `switchboard.<event type>`.
    public var type: String
    public var time: Date
    /// The interaction id, where there is one.
    public var subject: String?
    public var datacontenttype: String
    /// W3C trace context, carried inside the event too so it survives re-publishing.
    public var traceparent: String?
    public var data: Payload

    public init(id: String, source: String, eventType: String, time: Date, subject: String?, traceparent: String?, data: Payload) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = "switchboard.\(eventType)"
        self.time = time
        self.subject = subject
        self.datacontenttype = "application/json"
        self.traceparent = traceparent
        self.data = data
    }

    /// The event type without its `switchboard.` prefix (also the routing key).
    public var eventType: String {
        type.hasPrefix("switchboard.") ? String(type.dropFirst("switchboard.".count)) : type
    }

    public static var contentType: String { "application/cloudevents+json" }
}
