import Foundation

/// Cuts a reply's text into the words the spell checker looks up, with where each one is.
///
/// Positions are in UTF-16 code units, because that is what a browser textarea's
/// `selectionStart`/`selectionEnd` and `setSelectionRange` use: a desk can underline or
/// select a word without converting (an emoji before it counts two, `é` one).
///
/// A word is a run of letters, combining marks and digits of any script, with an
/// apostrophe (`'`, `’`) or hyphen (`-`, `‐`, `‑`) inside it (`don't`, `well-known`); one
/// at either end is punctuation, not part of it. A word is *not* checked when it:
///
/// - lies in a web address or an email address as ``EntityExtractor`` finds them (the
///   transcript's entities: what a desk makes clickable);
/// - contains a digit (`2nd`, `5pm`, `A4`, reference numbers; phone numbers and numbers
///   have no letters and are never words);
/// - is glued to something technical: preceded or followed by `@ # $ % & * + / \ = ^ _ |
///   ~ < >` or a currency sign (`#sale`, `@kate`, `and/or`, `file_name`), or joined to a
///   word by `.` (`example.com`, `e.g.`, `v.i.p`; a missing space after a full stop skips
///   both words too);
/// - is a short ALL-CAPS token of at most ``maxShortcodeLetters`` letters (`STOP`, `HELP`,
///   `ASAP`, `ETA`, `UNSUB`): SMS keywords, shortcodes and acronyms, which no dictionary
///   lists well; longer capitals (`URGENT`) are checked, Hunspell accepts a known word in
///   capitals;
/// - has a capital after a small letter (`iPhone`, `WhatsApp`): brand names and handles;
/// - is longer than ``maxWordLength`` scalars: no word of a supported language is, and
///   Hunspell's suggestions for such a run are slow and useless.
///
/// Pure and total: no I/O, never traps, linear in the text.
struct SpellingTokenizer: Sendable {
    /// One word to look up: its text as written, and its place in UTF-16 code units.
    struct Word: Sendable, Equatable {
        var text: String
        var offset: Int
        var length: Int
    }

    static let maxShortcodeLetters = 5
    static let maxWordLength = 60

    /// Finds the URLs and emails whose words are skipped.
    let extractor: EntityExtractor

    func words(in text: String) -> [Word] {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        let covered = extractor.entityScalars(scalars)
        // offsets[i]: UTF-16 offset of scalar i; offsets[count]: the text's UTF-16 length.
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var utf16 = 0
        for scalar in scalars {
            offsets.append(utf16)
            utf16 += UTF16.width(scalar)
        }
        offsets.append(utf16)

        var words: [Word] = []
        var index = 0
        while index < scalars.count {
            guard EntityExtractor.isWordScalar(scalars[index]) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < scalars.count {
                if EntityExtractor.isWordScalar(scalars[end]) {
                    end += 1
                } else if Self.isJoiner(scalars[end]), end + 1 < scalars.count, EntityExtractor.isWordScalar(scalars[end + 1]) {
                    end += 2
                } else {
                    break
                }
            }
            let range = index..<end
            if isChecked(scalars, range, covered: covered) {
                words.append(
                    Word(text: EntityExtractor.string(scalars[range]), offset: offsets[index], length: offsets[end] - offsets[index]))
            }
            index = end
        }
        return words
    }

    private func isChecked(_ scalars: [Unicode.Scalar], _ range: Range<Int>, covered: [Bool]) -> Bool {
        guard range.count <= Self.maxWordLength else { return false }
        if covered[range].contains(true) { return false }
        if Self.isGluedBefore(scalars, at: range.lowerBound) || Self.isGluedAfter(scalars, at: range.upperBound) { return false }
        var letters = 0
        var uppercase = 0
        var previousWasLowercase = false
        for scalar in scalars[range] {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber:
                return false
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                letters += 1
                if properties.isUppercase {
                    if previousWasLowercase { return false }  // camelCase
                    uppercase += 1
                }
                previousWasLowercase = properties.isLowercase
            default:
                // Marks keep the case of their letter; joiners end nothing.
                continue
            }
        }
        guard letters > 0 else { return false }
        if uppercase == letters, letters <= Self.maxShortcodeLetters { return false }
        return true
    }

    static func isJoiner(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "'", "\u{2019}", "-", "\u{2010}", "\u{2011}": true
        default: false
        }
    }

    /// `@ # $ % & * + / \ = ^ _ | ~ < >` and currency signs: what glues a word into
    /// something that is not prose.
    static func isTechnical(_ scalar: Unicode.Scalar) -> Bool {
        if "@#$%&*+/\\=^_|~<>".unicodeScalars.contains(scalar) { return true }
        return scalar.properties.generalCategory == .currencySymbol
    }

    static func isGluedBefore(_ scalars: [Unicode.Scalar], at start: Int) -> Bool {
        guard start > 0 else { return false }
        let before = scalars[start - 1]
        if isTechnical(before) { return true }
        return before == "." && start > 1 && EntityExtractor.isWordScalar(scalars[start - 2])
    }

    static func isGluedAfter(_ scalars: [Unicode.Scalar], at end: Int) -> Bool {
        guard end < scalars.count else { return false }
        let after = scalars[end]
        if isTechnical(after) { return true }
        return after == "." && end + 1 < scalars.count && EntityExtractor.isWordScalar(scalars[end + 1])
    }
}
