/// The confirmation a customer gets for a consent keyword (docs/architecture.md 10.1): STOP
/// (and the other opt-out words) one unsubscribe confirmation, START one re-subscription
/// confirmation, HELP the help text. These are the only messages sent to an opted-out
/// number. A channel may set its own texts; an empty text sends nothing for that keyword.
struct KeywordReplies: Codable, Sendable, Equatable {
    var stop: String?
    var start: String?
    var help: String?

    static let defaultStop = "You have been unsubscribed and will receive no more messages. Reply START to resubscribe."
    static let defaultStart = "You have been resubscribed. Reply STOP to unsubscribe, HELP for help."
    static let defaultHelp = "Reply STOP to unsubscribe, START to resubscribe."
    /// The longest text one confirmation may have (four concatenated SMS at most).
    static let maximumLength = 612

    /// The text answering a keyword's action, nil when none is to be sent.
    func text(for action: ConsentKeywords.Action) -> String? {
        let text: String
        switch action {
        case .optOut: text = stop ?? Self.defaultStop
        case .optIn: text = start ?? Self.defaultStart
        case .help: text = help ?? Self.defaultHelp
        }
        return text.isEmpty ? nil : text
    }

    /// Every key, with the text in force (the default where the channel has none).
    struct View: Codable, Sendable, Equatable {
        var stop: String
        var start: String
        var help: String
    }

    var view: View {
        View(stop: stop ?? Self.defaultStop, start: start ?? Self.defaultStart, help: help ?? Self.defaultHelp)
    }
}
