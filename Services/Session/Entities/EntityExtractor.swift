import Foundation
public import SwitchboardModels

/// Finds the web addresses, phone numbers and email addresses in a transcript entry's text.
///
/// Entities are extracted once, when an entry is written, so that every desktop makes the
/// same things clickable and shows the same warnings without parsing text itself (docs/architecture.md
/// section 4, "Transcript"). SMS is a common phishing channel, so web addresses get the
/// most care: ``URLEntity/display`` is the address a click really opens, with a deceptive
/// internationalised host shown in Punycode, userinfo left visible, and invisible or
/// bidirectional control characters shown as `<U+202E>`-style markers.
///
/// The extractor is pure and total: it never throws or traps, whatever the input
/// (combining marks, right-to-left text, emoji, control characters), and its work grows
/// about linearly with the length of the text. Rules, in order:
///
/// 1. **URLs**: `http://`, `https://` (any case) and bare `www.` (not preceded by an ASCII
///    letter or digit, a letter of a cased script or a combining mark, nor for `www.` by
///    `.`, `-`, `_` or `@`), up to the next whitespace, control character, `<` or
///    `>`. Trailing `.,;:!?)]}'"` (and their full-width and CJK forms, `…`, `”`, `’`, `»`)
///    are dropped, except a `)`, `]` or `}` that closes one opened inside the address
///    (`https://en.wikipedia.org/wiki/Bracket_(disambiguation)`). Each distinct text once.
/// 2. **Emails** outside URLs: `local@domain.tld`, ASCII only.
/// 3. **Phones** outside URLs and emails, normalised with ``PhoneNumberNormalizer``.
public struct EntityExtractor: Sendable, Codable, Equatable {
    /// The ISO 3166-1 alpha-2 region in which numbers without `+` or an international prefix
    /// are read (the channel's default region).
    public var defaultRegion: String

    public init(defaultRegion: String) {
        self.defaultRegion = defaultRegion
    }

    /// The entities in `text`, or ``TranscriptEntities/empty`` if there are none.
    public func extract(_ text: String) -> TranscriptEntities {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return .empty }
        // Positions taken by a URL or an email, which later passes must not reuse.
        var covered = [Bool](repeating: false, count: scalars.count)
        let hiddenControls = Self.containsHiddenControls(scalars)
        let urls = Self.urls(in: scalars, messageHasHiddenControls: hiddenControls, covered: &covered)
        let emails = Self.emails(in: scalars, covered: &covered)
        let phones = phones(in: scalars, covered: covered)
        return TranscriptEntities(urls: urls, phones: phones, emails: emails)
    }
}

// MARK: - Shared helpers

extension EntityExtractor {
    /// A letter, mark or number of any script: what glues characters into one word.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isASCIIAlphanumeric(scalar) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
