/// Page mode: every inbound message is its own interaction. Session mode: a conversation
/// stays one interaction until Done or the inactivity timeout.
enum InteractionMode: String, Sendable, Codable, Equatable {
    case page, session

    /// The desktop's origin text ("Inbound SMS Session Mode").
    func origin(hasMedia: Bool) -> String {
        "Inbound \(hasMedia ? "MMS" : "SMS") \(self == .page ? "Page" : "Session") Mode"
    }
}
