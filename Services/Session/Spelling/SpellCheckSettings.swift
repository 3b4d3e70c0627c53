import Foundation
import SwitchboardServiceKit

/// Which Hunspell dictionaries the SMS preview checks against (read once at start):
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_SPELLCHECK_LANGUAGES` | `en_US`: comma-separated dictionary names (`en_US,fr_FR`); set but empty turns spell checking off |
/// | `SWITCHBOARD_SPELLCHECK_DICTIONARY_PATH` | `/usr/share/hunspell`: where `<name>.aff` and `<name>.dic` are (Debian's `hunspell-*` packages) |
///
/// Unlike other variables, an *empty* `SWITCHBOARD_SPELLCHECK_LANGUAGES` is not "unset":
/// it is how an operator says "no spell checking" (e.g. `SWITCHBOARD_SPELLCHECK_LANGUAGES=`
/// in compose), and only an unset variable means the default.
struct SpellCheckSettings: Sendable, Equatable {
    static let languagesVariable = "SWITCHBOARD_SPELLCHECK_LANGUAGES"
    static let pathVariable = "SWITCHBOARD_SPELLCHECK_DICTIONARY_PATH"

    /// Dictionary names in configuration order, without duplicates; empty: off.
    var languages: [String]
    var dictionaryPath: String

    init(languages: [String], dictionaryPath: String = "/usr/share/hunspell") {
        self.languages = languages
        self.dictionaryPath = dictionaryPath
    }

    init(environment: EnvironmentVariables) throws(ConfigurationError) {
        let text = environment.values[Self.languagesVariable] ?? "en_US"
        var languages: [String] = []
        for entry in text.split(separator: ",") {
            let name = entry.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { continue }
            // A name becomes part of a file path: no `/`, no `..`.
            guard name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw .invalid(variable: Self.languagesVariable, reason: "expected dictionary names such as en_US,fr_FR (letters, digits, _ or -)")
            }
            if !languages.contains(name) { languages.append(name) }
        }
        self.languages = languages
        dictionaryPath = environment.string(Self.pathVariable, default: "/usr/share/hunspell")
    }

    /// The `.aff` and `.dic` files of `language`.
    func files(of language: String) -> (affix: String, dictionary: String) {
        let base = (dictionaryPath.hasSuffix("/") ? dictionaryPath : dictionaryPath + "/") + language
        return (base + ".aff", base + ".dic")
    }
}
