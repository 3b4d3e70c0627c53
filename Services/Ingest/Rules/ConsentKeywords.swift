import Foundation

/// Opt-out, opt-in and help keywords (docs/architecture.md section 4, "Consent"): the whole message,
/// in any case, with surrounding spaces and punctuation ignored, is one of the keywords.
/// "Stop!" and " stop. " match; "stop it" and "STOP2" do not.
///
/// | keywords | action |
/// |---|---|
/// | STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT | `opt_out` |
/// | START, UNSTOP, YES | `opt_in` |
/// | HELP, INFO | `help` |
enum ConsentKeywords {
    enum Action: String, Sendable, Codable, Equatable {
        case optOut = "opt_out"
        case optIn = "opt_in"
        case help
    }

    struct Match: Sendable, Equatable {
        /// The keyword in upper case, as listed above.
        var keyword: String
        var action: Action
    }

    static let table: [String: Action] = [
        "STOP": .optOut, "STOPALL": .optOut, "UNSUBSCRIBE": .optOut, "CANCEL": .optOut, "END": .optOut,
        "QUIT": .optOut, "REVOKE": .optOut, "OPTOUT": .optOut,
        "START": .optIn, "UNSTOP": .optIn, "YES": .optIn,
        "HELP": .help, "INFO": .help,
    ]

    /// What may surround a keyword ("Stop.", " STOP!", zero-width spaces), built once:
    /// every inbound text goes through ``detect(_:)``.
    private static let ignored = CharacterSet.whitespacesAndNewlines.union(.punctuationCharacters).union(.symbols)
        .union(.controlCharacters).union(CharacterSet(charactersIn: "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}"))

    static func detect(_ text: String) -> Match? {
        guard text.count <= 64 else { return nil }
        let word = text.trimmingCharacters(in: ignored)
        guard !word.isEmpty, word.unicodeScalars.allSatisfy({ $0.isASCII }) else { return nil }
        let upper = word.uppercased()
        return table[upper].map { Match(keyword: upper, action: $0) }
    }
}
