/// Page mode: every inbound message is its own interaction. Session mode: a conversation
/// stays one interaction until Done or the inactivity timeout.
enum InteractionMode: String, Sendable, Codable, Equatable {
    case page, session

    /// The desktop's origin text ("Inbound SMS Session Mode").
    func origin(hasMedia: Bool) -> String {
        "Inbound \(hasMedia ? "MMS" : "SMS") \(label) Mode"
    }

    /// The origin of an interaction an agent opened by texting the customer ("Outbound SMS
    /// Session Mode"): MMS are never sent.
    var outboundOrigin: String {
        "Outbound SMS \(label) Mode"
    }

    private var label: String { self == .page ? "Page" : "Session" }
}
