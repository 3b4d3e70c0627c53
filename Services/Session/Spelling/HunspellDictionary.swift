import CHunspell
import Foundation
import SwitchboardServiceKit

/// One loaded Hunspell dictionary (a `Hunhandle`).
///
/// A handle is not thread-safe, and its calls block (loading reads and parses files;
/// suggesting can take milliseconds per word). Hence `@unchecked Sendable` with one rule:
/// it is created, used and destroyed only on ``SpellChecker``'s serial queue, never on
/// Swift's cooperative pool, so calls on it never overlap.
final class HunspellDictionary: @unchecked Sendable {
    let language: String
    private let handle: OpaquePointer

    /// Opens `language` from `settings`' directory. Throws a ``ConfigurationError`` naming
    /// `SWITCHBOARD_SPELLCHECK_LANGUAGES` when its files are missing or unusable, so the
    /// service stops at start rather than answering every preview without a dictionary.
    init(language: String, settings: SpellCheckSettings) throws(ConfigurationError) {
        let files = settings.files(of: language)
        let manager = FileManager.default
        guard manager.isReadableFile(atPath: files.affix), manager.isReadableFile(atPath: files.dictionary) else {
            throw .invalid(
                variable: SpellCheckSettings.languagesVariable,
                reason: "no Hunspell dictionary \(language) (\(language).aff and \(language).dic) in \(settings.dictionaryPath)"
                    + " (\(SpellCheckSettings.pathVariable)); install it (Debian: hunspell-en-us for en_US, hunspell-fr for fr_FR, …)"
            )
        }
        guard let handle = Hunspell_create(files.affix, files.dictionary) else {
            throw .invalid(variable: SpellCheckSettings.languagesVariable, reason: "Hunspell could not load the dictionary \(language)")
        }
        self.handle = handle
        self.language = language
        // Words go to Hunspell as UTF-8 bytes; a dictionary in a legacy 8-bit encoding would
        // read them as other characters and flag every accented word.
        let encoding = Hunspell_get_dic_encoding(handle).map { String(cString: $0) } ?? ""
        guard ["UTF-8", "UTF8"].contains(encoding.uppercased()) else {
            throw .invalid(
                variable: SpellCheckSettings.languagesVariable,
                reason:
                    "the dictionary \(language) is in \(encoding.isEmpty ? "an unknown encoding" : encoding); only UTF-8 dictionaries are supported"
            )
        }
    }

    deinit {
        Hunspell_destroy(handle)
    }

    /// Whether the dictionary knows `word` (in any case form Hunspell accepts: `Hello`,
    /// `HELLO`, `hello`).
    func knows(_ word: String) -> Bool {
        Hunspell_spell(handle, word) != 0
    }

    /// At most `limit` suggestions for `word`, best first.
    func suggestions(for word: String, limit: Int) -> [String] {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = Hunspell_suggest(handle, &list, word)
        guard count > 0, let items = list else { return [] }
        defer { Hunspell_free_list(handle, &list, count) }
        return (0..<min(Int(count), limit)).compactMap { index in items[index].map { String(cString: $0) } }
    }
}
