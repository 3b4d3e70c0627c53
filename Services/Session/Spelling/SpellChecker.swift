import Dispatch
import SwitchboardServiceKit

/// The misspelled words of an SMS preview, from the Hunspell dictionaries of
/// ``SpellCheckSettings`` (docs/architecture.md section 10.3, "Spell check before sending").
///
/// A word is misspelled only when no configured dictionary knows it, so a reply mixing the
/// configured languages is not flagged. Which words are looked up at all is
/// ``SpellingTokenizer``'s business (no URLs, emails, numbers, shortcodes).
///
/// Hunspell is a blocking C library whose handles are not thread-safe: every call on them
/// (loading included) runs on this checker's one serial Dispatch queue, never on Swift's
/// cooperative pool, and one request's words are checked together. Looking up a word costs
/// microseconds; suggesting can cost milliseconds, so suggestions are made for the first
/// ``maxSuggestedWords`` different misspelled words only, and a word repeated in the text is
/// looked up once. The text itself is bounded by the preview's 64 KiB body.
final class SpellChecker: Sendable {
    static let maxSuggestions = 5
    static let maxSuggestedWords = 10

    let tokenizer: SpellingTokenizer
    private let dictionaries: [HunspellDictionary]
    private let queue: DispatchQueue

    private init(dictionaries: [HunspellDictionary], tokenizer: SpellingTokenizer, queue: DispatchQueue) {
        self.dictionaries = dictionaries
        self.tokenizer = tokenizer
        self.queue = queue
    }

    /// Loads every configured dictionary (on the checker's queue).
    ///
    /// - Throws: ``ConfigurationError`` naming `SWITCHBOARD_SPELLCHECK_LANGUAGES` when a
    ///   dictionary's files are missing or unusable.
    static func load(_ settings: SpellCheckSettings, tokenizer: SpellingTokenizer) async throws(ConfigurationError) -> SpellChecker {
        let queue = DispatchQueue(label: "switchboard.session.hunspell", qos: .userInitiated)
        let loaded: Result<[HunspellDictionary], ConfigurationError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(
                    returning: Result { () throws(ConfigurationError) -> [HunspellDictionary] in
                        var dictionaries: [HunspellDictionary] = []
                        for language in settings.languages {
                            dictionaries.append(try HunspellDictionary(language: language, settings: settings))
                        }
                        return dictionaries
                    })
            }
        }
        return SpellChecker(dictionaries: try loaded.get(), tokenizer: tokenizer, queue: queue)
    }

    /// Off: no dictionaries, `misspelled` is always empty.
    var isEnabled: Bool { !dictionaries.isEmpty }

    /// The misspelled words of `text`, in order of appearance (each occurrence).
    func misspelled(in text: String) async -> [Misspelling] {
        guard isEnabled else { return [] }
        let words = tokenizer.words(in: text)
        guard !words.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.checkBlocking(words)) }
        }
    }

    /// Runs on ``queue`` only.
    private func checkBlocking(_ words: [SpellingTokenizer.Word]) -> [Misspelling] {
        var known: [String: Bool] = [:]
        var suggested: [String: [String]] = [:]
        var result: [Misspelling] = []
        for word in words {
            let isKnown: Bool
            if let cached = known[word.text] {
                isKnown = cached
            } else {
                isKnown = dictionaries.contains { $0.knows(word.text) }
                known[word.text] = isKnown
            }
            guard !isKnown else { continue }
            var suggestions = suggested[word.text] ?? []
            if suggested[word.text] == nil, suggested.count < Self.maxSuggestedWords {
                suggestions = suggestionsBlocking(for: word.text)
                suggested[word.text] = suggestions
            }
            result.append(Misspelling(word: word.text, offset: word.offset, length: word.length, suggestions: suggestions))
        }
        return result
    }

    /// Each dictionary's suggestions in configuration order, without duplicates, at most
    /// ``maxSuggestions``.
    private func suggestionsBlocking(for word: String) -> [String] {
        var suggestions: [String] = []
        for dictionary in dictionaries where suggestions.count < Self.maxSuggestions {
            for suggestion in dictionary.suggestions(for: word, limit: Self.maxSuggestions) where !suggestions.contains(suggestion) {
                suggestions.append(suggestion)
                if suggestions.count == Self.maxSuggestions { break }
            }
        }
        return suggestions
    }
}
