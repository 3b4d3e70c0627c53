/// A word of a preview's text that none of the configured dictionaries knows
/// (`misspelled` of `POST /v1/sms/preview`).
struct Misspelling: Encodable, Sendable, Equatable {
    /// As written in the text.
    var word: String
    /// Where it starts, in UTF-16 code units from the start of the text: a browser
    /// textarea's `selectionStart` for it.
    var offset: Int
    /// Its length in UTF-16 code units (`selectionEnd` = offset + length).
    var length: Int
    /// At most ``SpellChecker/maxSuggestions``, best first; empty when there are none, or
    /// when the word is beyond the first ``SpellChecker/maxSuggestedWords`` different
    /// misspelled words of the text.
    var suggestions: [String]
}
