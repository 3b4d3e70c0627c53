import Foundation

/// Finds the web addresses, phone numbers and email addresses in a transcript entry's text.
///
/// Entities are extracted once, when an entry is written, so that every desktop makes the
/// same things clickable and shows the same warnings without parsing text itself (DESIGN
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

// MARK: - Hidden and bidirectional controls

extension EntityExtractor {
    /// Bidirectional formatting characters. They reorder what is displayed (the "Trojan
    /// Source" trick, CVE-2021-42574): `https://example.com/` + U+202E + `gpj.exe` reads as
    /// `…/exe.jpg`, and a message holding one cannot be trusted to show its links as they are.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Characters that take no space or show nothing, and so can hide inside or next to an
    /// address (`paypal.com` with a zero-width space after `pay`): the zero-width space, joiners, word
    /// joiner, BOM, soft hyphen, Mongolian vowel separator, plus the other invisible
    /// operators and format characters, the combining grapheme joiner, Hangul fillers and
    /// Khmer inherent vowels, and shorthand format controls.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B...0x200D, 0x2060...0x2064,
             0x206A...0x206F, 0x3164, 0xFEFF, 0xFFA0, 0xFFF9...0xFFFB, 0x1BCA0...0x1BCA3:
            true
        default:
            false
        }
    }

    /// Whether a scalar must never appear raw in ``URLEntity/display``: bidirectional and
    /// invisible controls, and also variation selectors, tag characters and every other
    /// format or control character, none of which has a place in an address.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
        if isBidiControl(scalar) || isInvisible(scalar) { return true }
        switch scalar.value {
        case 0xFE00...0xFE0F, 0xE0000...0xE0FFF: return true  // variation selectors, tags, VS supplement
        default: break
        }
        let category = scalar.properties.generalCategory
        return category == .format || category == .control
    }

    /// Whether the message holds a bidirectional or invisible control anywhere, which makes
    /// every URL in it suspicious. A zero-width joiner inside an emoji sequence (woman +
    /// ZWJ + laptop, rainbow flag) does not count: it is how such emoji are written, it joins
    /// two visible pictographs, and it cannot alter how an address reads. Variation selectors
    /// and tag characters also only count inside an address, because emoji use them too.
    static func containsHiddenControls(_ scalars: [Unicode.Scalar]) -> Bool {
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar.isASCII { continue }
            if isBidiControl(scalar) { return true }
            if isInvisible(scalar), !(scalar == "\u{200D}" && joinsEmoji(scalars, at: index)) { return true }
        }
        return false
    }

    /// Whether the zero-width joiner at `index` sits between two emoji (the one before may
    /// carry a variation selector or skin-tone modifier).
    private static func joinsEmoji(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before] == "\u{FE0F}" || (0x1F3FB...0x1F3FF).contains(scalars[before].value) {
            before -= 1
        }
        let after = index + 1
        guard before >= 0, after < scalars.count else { return false }
        return isEmoji(scalars[before]) && isEmoji(scalars[after])
    }

    /// Emoji proper: `isEmoji` is also true for ASCII digits, `#` and `*` (keycap bases).
    private static func isEmoji(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.isASCII && scalar.properties.isEmoji
    }

    /// `scalars` with every hidden character replaced by a visible `<U+XXXX>` marker.
    static func visible<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
        var result = String.UnicodeScalarView()
        for scalar in scalars {
            if isHidden(scalar) {
                result.append(contentsOf: marker(scalar).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// `<U+202E>`: upper-case hexadecimal, at least four digits, as Unicode writes it.
    static func marker(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
    }
}

// MARK: - URLs

extension EntityExtractor {
    private static func urls(
        in scalars: [Unicode.Scalar], messageHasHiddenControls: Bool, covered: inout [Bool]
    ) -> [URLEntity] {
        var result: [URLEntity] = []
        var seen: Set<String> = []
        // The next delimiter at or after the last scanned start. Cached so that a long token
        // with many candidate starts is scanned once, keeping the pass linear.
        var delimiter = -1
        var index = 0
        while index < scalars.count {
            guard let (scheme, hostStart) = urlStart(in: scalars, at: index) else {
                index += 1
                continue
            }
            if delimiter < hostStart {
                delimiter = hostStart
                while delimiter < scalars.count, !endsURL(scalars[delimiter]) { delimiter += 1 }
            }
            let end = trimmedEnd(scalars, start: index, hostStart: hostStart, end: delimiter)
            guard let (display, suspicious) = describe(
                scalars, scheme: scheme, hostStart: hostStart, end: end,
                messageHasHiddenControls: messageHasHiddenControls
            ) else {
                index = max(index + 1, hostStart)
                continue
            }
            for position in index..<end { covered[position] = true }
            let text = string(scalars[index..<end])
            if seen.insert(text).inserted {
                result.append(URLEntity(text: text, display: display, suspicious: suspicious))
            }
            index = end
        }
        return result
    }

    /// The scheme (`nil` for a bare `www.`) and where the host starts, if a URL starts at
    /// `index`.
    private static func urlStart(in scalars: [Unicode.Scalar], at index: Int) -> (String?, Int)? {
        let first = scalars[index]
        guard first == "h" || first == "H" || first == "w" || first == "W" else { return nil }
        let previous: Unicode.Scalar? = index > 0 ? scalars[index - 1] : nil
        // Not inside a word (`xhttp://`), but right after Chinese or Japanese text, which
        // has no spaces (`詳しくはhttps://…`).
        if let previous, isASCIIAlphanumeric(previous) || isCasedOrMark(previous) { return nil }
        if hasPrefix(scalars, at: index, "https://") { return ("https", index + 8) }
        if hasPrefix(scalars, at: index, "http://") { return ("http", index + 7) }
        if hasPrefix(scalars, at: index, "www."), index + 4 < scalars.count, isWordScalar(scalars[index + 4]) {
            // "kate@www.example.com" is an email, "a.www.b" part of some other name.
            if let previous, previous == "." || previous == "-" || previous == "_" || previous == "@" { return nil }
            return (nil, index)
        }
        return nil
    }

    /// Case-insensitive ASCII prefix test; `prefix` is lowercase.
    private static func hasPrefix(_ scalars: [Unicode.Scalar], at index: Int, _ prefix: String) -> Bool {
        var position = index
        for expected in prefix.unicodeScalars {
            guard position < scalars.count else { return false }
            var actual = scalars[position].value
            if (0x41...0x5A).contains(actual) { actual += 0x20 }
            guard actual == expected.value else { return false }
            position += 1
        }
        return true
    }

    /// A URL runs up to whitespace or a control character; `<` and `>` cannot occur in one
    /// and commonly delimit it (RFC 3986, appendix C).
    private static func endsURL(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "<" || scalar == ">"
        }
        return scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
    }

    /// `end` moved back over trailing punctuation that belongs to the sentence rather than
    /// to the address. A closing bracket stays when the address opened more of that kind
    /// than it closed before it.
    private static func trimmedEnd(_ scalars: [Unicode.Scalar], start: Int, hostStart: Int, end: Int) -> Int {
        var end = end
        var opened = [0, 0, 0]
        var closed = [0, 0, 0]
        var counted = false
        while end > hostStart {
            let last = scalars[end - 1]
            if let kind = closingBracket(last) {
                if !counted {
                    for scalar in scalars[start..<end] {
                        if let open = openingBracket(scalar) { opened[open] += 1 }
                        if let close = closingBracket(scalar) { closed[close] += 1 }
                    }
                    counted = true
                }
                if closed[kind] <= opened[kind] { break }
                closed[kind] -= 1
                end -= 1
            } else if isTrailingPunctuation(last) {
                end -= 1
            } else {
                break
            }
        }
        return end
    }

    private static func openingBracket(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "(": 0
        case "[": 1
        case "{": 2
        default: nil
        }
    }

    private static func closingBracket(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case ")": 0
        case "]": 1
        case "}": 2
        default: nil
        }
    }

    private static func isTrailingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ".", ",", ";", ":", "!", "?", "'", "\"":
            true
        // … ’ ” » 、 。 〉 》 」 』 】 ！ ） ， ． ： ； ？
        case "\u{2026}", "\u{2019}", "\u{201D}", "\u{00BB}", "\u{3001}", "\u{3002}", "\u{3009}", "\u{300B}",
             "\u{300D}", "\u{300F}", "\u{3011}", "\u{FF01}", "\u{FF09}", "\u{FF0C}", "\u{FF0E}", "\u{FF1A}",
             "\u{FF1B}", "\u{FF1F}":
            true
        default:
            false
        }
    }

    /// The display form and suspicion of the URL `scalars[..<end]` whose host starts at
    /// `hostStart`, or `nil` if it has no host.
    private static func describe(
        _ scalars: [Unicode.Scalar], scheme: String?, hostStart: Int, end: Int, messageHasHiddenControls: Bool
    ) -> (String, Bool)? {
        guard end > hostStart else { return nil }
        // The authority ends at the path, query or fragment; browsers treat `\` as `/`
        // in http(s) URLs, so `https://evil.example\@bank.com` goes to evil.example.
        var authorityEnd = hostStart
        while authorityEnd < end, !"/?#\\".unicodeScalars.contains(scalars[authorityEnd]) { authorityEnd += 1 }
        // Userinfo runs to the last `@` of the authority, as browsers parse it.
        var at: Int?
        for position in hostStart..<authorityEnd where scalars[position] == "@" { at = position }
        let hostPortStart = at.map { $0 + 1 } ?? hostStart

        var hostEnd = authorityEnd
        if hostPortStart < authorityEnd, scalars[hostPortStart] == "[" {
            // IPv6 literal: the port, if any, follows the `]`.
            if let close = (hostPortStart..<authorityEnd).first(where: { scalars[$0] == "]" }) { hostEnd = close + 1 }
        } else {
            var portStart = authorityEnd
            while portStart > hostPortStart, ("0"..."9").contains(scalars[portStart - 1]) { portStart -= 1 }
            if portStart > hostPortStart, scalars[portStart - 1] == ":" { hostEnd = portStart - 1 }
        }

        var host = Array(scalars[hostPortStart..<hostEnd])
        // Browsers percent-decode a host before resolving it, so `%62ank.com` is bank.com;
        // show what is resolved, and flag the obfuscation.
        var percentEncoded = false
        if host.contains("%"), let decoded = percentDecoded(host) {
            host = decoded
            percentEncoded = true
        }
        guard host.contains(where: { !isHidden($0) && isWordScalar($0) }) else { return nil }
        let (shownHost, hostSuspicious) = showHost(host)

        var display = (scheme ?? "http") + "://"
        if let at {
            display += visible(scalars[hostStart..<at]) + "@"
        }
        display += shownHost
        display += visible(scalars[hostEnd..<end])

        let urlHasHidden = scalars[hostStart..<end].contains(where: isHidden)
        // Parsers disagree about `\` (browsers read it as `/`, RFC 3986 parsers as data), so
        // `https://bank.com\@evil.example` goes to a different host depending on who reads it.
        let backslash = scalars[hostStart..<end].contains("\\")
        let suspicious = messageHasHiddenControls || urlHasHidden || at != nil || percentEncoded || backslash
            || hostSuspicious
        return (display, suspicious)
    }

    /// `%XX` escapes replaced by their bytes, or `nil` if there are none or the bytes are
    /// not UTF-8.
    private static func percentDecoded(_ host: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        var bytes: [UInt8] = []
        var changed = false
        var position = 0
        while position < host.count {
            if host[position] == "%", position + 2 < host.count,
               let high = hexValue(host[position + 1]), let low = hexValue(host[position + 2]) {
                bytes.append(high << 4 | low)
                position += 3
                changed = true
            } else {
                bytes.append(contentsOf: String(host[position]).utf8)
                position += 1
            }
        }
        guard changed else { return nil }
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard decoded.utf8.elementsEqual(bytes) else { return nil }
        return Array(decoded.unicodeScalars)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }

    /// The host as displayed, and whether that display is itself a warning sign.
    ///
    /// The host is lowercased (and, if not ASCII, mapped as IDNA does before a lookup, see
    /// ``Punycode/toASCII(host:)``). If any label is deceptive, the whole host is shown in
    /// Punycode, as browsers do; a label is deceptive when it mixes scripts, is a
    /// whole-script confusable, or holds a non-ASCII symbol or punctuation mark (`⁄` and
    /// `∕` imitate `/`, `․` imitates `.`). A label with hidden characters is encoded as it
    /// is, hidden characters included, so that nothing is dropped from what is shown. A
    /// host that is already `xn--` in the text is flagged too: the agent cannot read it.
    private static func showHost(_ host: [Unicode.Scalar]) -> (String, Bool) {
        if host.first == "[" {
            return (visible(string(host[...]).lowercased().unicodeScalars), false)
        }
        let mapped = Punycode.map(string(host[...]))
        let labels = Punycode.labels(of: mapped)
        let topLevel = labels.lastIndex(where: { !$0.isEmpty })
        var deceptive = false
        for (index, label) in labels.enumerated() where !label.unicodeScalars.allSatisfy(\.isASCII) {
            if isDeceptive(label, isTopLevel: index == topLevel, topLevel: topLevel.map { labels[$0] }) {
                deceptive = true
                break
            }
        }
        if deceptive {
            if let ascii = Punycode.toASCII(host: mapped) {
                return (visible(ascii.unicodeScalars), true)
            }
            // A label too long for the DNS: escape every non-ASCII character instead.
            var escaped = ""
            for scalar in mapped.unicodeScalars {
                escaped += scalar.isASCII && !isHidden(scalar) ? String(scalar) : marker(scalar)
            }
            return (escaped, true)
        }
        let alreadyPunycode = labels.contains { $0.hasPrefix("xn--") }
        return (visible(labels.joined(separator: ".").unicodeScalars), alreadyPunycode)
    }
}

// MARK: - Scripts and confusables

extension EntityExtractor {
    /// The Unicode scripts the deception checks tell apart (UAX #24). Characters of the
    /// Common and Inherited scripts (ASCII digits, `-`, generic combining marks) belong to
    /// none; letters of a script missing from the table are `other`.
    enum Script: UInt8, Hashable, Sendable {
        case latin, greek, coptic, cyrillic, armenian, hebrew, arabic, syriac, thaana, nko
        case devanagari, bengali, gurmukhi, gujarati, oriya, tamil, telugu, kannada, malayalam, sinhala
        case thai, lao, tibetan, myanmar, georgian, hangul, ethiopic, cherokee, canadianAboriginal
        case ogham, runic, khmer, mongolian, hiragana, katakana, bopomofo, han, yi, lisu, vai, tifinagh
        case other
    }

    /// Whether one (mapped, non-ASCII) label of a host should not be shown in Unicode.
    private static func isDeceptive(_ label: String, isTopLevel: Bool, topLevel: String?) -> Bool {
        var scripts: Set<Script> = []
        var scriptLetters = 0
        var allLookAlike = true
        for scalar in label.unicodeScalars where !isHidden(scalar) {
            if scalar.isASCII {
                if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) { scripts.insert(.latin) }
                continue
            }
            if latinLookAlikes.contains(scalar.value) { return true }
            let script: Script
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
                script = self.script(of: scalar) ?? .other
            case .nonspacingMark, .spacingMark, .enclosingMark:
                guard let known = self.script(of: scalar) else { continue }  // Inherited: takes its base's script
                script = known
            default:
                // Symbols, punctuation, spaces: `⁄` `∕` `／` `․` `。` `・` imitate URL syntax.
                return true
            }
            scripts.insert(script)
            if script != .latin {
                scriptLetters += 1
                if !wholeScriptLookAlikes.contains(scalar.value) { allLookAlike = false }
            }
        }
        if scripts.count > 1 {
            return !allowedScriptCombinations.contains { scripts.isSubset(of: $0) }
        }
        guard let only = scripts.first, only != .latin, scriptLetters > 0, allLookAlike else { return false }
        // A whole-script confusable (`аррӏе` in Cyrillic reads as "apple"). Not when the
        // label is the top-level domain or the top-level domain is in the same script
        // (`сосо.рф`): nobody reads a name under `.рф` as a Latin one.
        if isTopLevel { return false }
        if let topLevel, !topLevel.unicodeScalars.allSatisfy(\.isASCII),
           topLevel.unicodeScalars.allSatisfy({ $0.isASCII || script(of: $0) == only || script(of: $0) == nil }) {
            return false
        }
        return true
    }

    /// The script combinations allowed in one label, as in UTS #39's "Highly Restrictive"
    /// level: Latin with the scripts written together in Japanese, Chinese and Korean.
    private static let allowedScriptCombinations: [Set<Script>] = [
        [.latin, .han, .hiragana, .katakana],
        [.latin, .han, .bopomofo],
        [.latin, .han, .hangul],
    ]

    /// Letters of other scripts that look like Latin letters (lowercase forms, since hosts
    /// are lowercased first; Cherokee in its capitals, which is how IDNA folds it). A label
    /// made only of these, in a single script, can imitate an ASCII name: Cyrillic `аррӏе`
    /// is "apple", Greek `ορο` is "opo". Drawn from Unicode's confusables data (UTS #39)
    /// and the lists browsers use; letters that only resemble an ASCII letter loosely are
    /// left out, so that ordinary words in these scripts stay readable.
    static let wholeScriptLookAlikes: Set<UInt32> = Set<UInt32>([
        // Cyrillic: а е о р с у х ѕ і ј һ ӏ ԁ ԛ ԝ ү ѵ ҽ п г ь ѡ ё ї ӓ ӧ ӱ
        0x0430, 0x0435, 0x043E, 0x0440, 0x0441, 0x0443, 0x0445, 0x0455, 0x0456, 0x0458, 0x04BB, 0x04CF,
        0x0501, 0x051B, 0x051D, 0x04AF, 0x0475, 0x04BD, 0x043F, 0x0433, 0x044C, 0x0461, 0x0451, 0x0457,
        0x04D3, 0x04E7, 0x04F1,
        // Greek: α ε η ι κ ν ο ρ τ υ χ γ ω ϲ ϳ ά έ ή ί ό ύ ώ
        0x03B1, 0x03B5, 0x03B7, 0x03B9, 0x03BA, 0x03BD, 0x03BF, 0x03C1, 0x03C4, 0x03C5, 0x03C7, 0x03B3,
        0x03C9, 0x03F2, 0x03F3, 0x03AC, 0x03AD, 0x03AE, 0x03AF, 0x03CC, 0x03CD, 0x03CE,
        // Armenian: գ զ հ լ ո ռ ս ց ք օ ւ
        0x0563, 0x0566, 0x0570, 0x056C, 0x0578, 0x057C, 0x057D, 0x0581, 0x0584, 0x0585, 0x0582,
        // Cherokee: Ꭰ Ꭱ Ꭲ Ꭵ Ꭺ Ꭻ Ꭼ Ꮃ Ꮇ Ꮋ Ꮍ Ꮎ Ꮐ Ꮓ Ꮟ Ꮢ Ꮤ Ꮥ Ꮩ Ꮪ Ꮮ Ꮯ Ꮲ Ꮶ Ᏼ
        0x13A0, 0x13A1, 0x13A2, 0x13A5, 0x13AA, 0x13AB, 0x13AC, 0x13B3, 0x13B7, 0x13BB, 0x13BD, 0x13BE,
        0x13C0, 0x13C3, 0x13CF, 0x13D2, 0x13D4, 0x13D5, 0x13D9, 0x13DA, 0x13DE, 0x13DF, 0x13E2, 0x13E6,
        0x13F4,
        // Coptic: ⲁ ⲏ ⲓ ⲕ ⲛ ⲟ ⲣ ⲥ ⲩ ⲭ
        0x2C81, 0x2C8F, 0x2C93, 0x2C95, 0x2C9B, 0x2C9F, 0x2CA3, 0x2CA5, 0x2CA9, 0x2CAD,
        // Canadian syllabics: ᐯ ᑌ ᑎ ᑕ ᒍ ᒪ ᔕ ᕼ ᖇ ᗅ ᗞ ᗯ ᗷ
        0x142F, 0x144C, 0x144E, 0x1455, 0x148D, 0x14AA, 0x1515, 0x157C, 0x1587, 0x15C5, 0x15DE, 0x15EF,
        0x15F7,
    ]).union((0xA4D0...0xA4F7).map { UInt32($0) })  // Lisu: the whole alphabet has Latin capitals' shapes

    /// Latin letters outside any everyday orthography that are hard to tell from ASCII
    /// letters (`ɑ` for a, `ɡ` for g, `ǀ` for l, small capitals): a label holding one is
    /// shown in Punycode even though it is single-script Latin.
    static let latinLookAlikes: Set<UInt32> = Set([
        0x01C0, 0x01C3, 0x0237, 0x0251, 0x0261, 0x0262, 0x0269, 0x026A, 0x0274, 0x0280, 0x028F, 0x0299,
        0x029C, 0x029F,
    ] + (0x1D00...0x1D25).map { UInt32($0) })

    /// The script of a letter, mark or digit, or `nil` for Common and Inherited ones.
    static func script(of scalar: Unicode.Scalar) -> Script? {
        let value = scalar.value
        if value < 0x80 {
            return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) ? .latin : nil
        }
        var low = 0
        var high = scriptRanges.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = scriptRanges[middle]
            if value < range.first {
                high = middle - 1
            } else if value > range.last {
                low = middle + 1
            } else {
                return range.script
            }
        }
        return nil
    }

    /// Script ranges (UAX #24 `Scripts.txt`, condensed to the blocks that hold letters),
    /// sorted and disjoint. Generic combining marks (U+0300–036F, U+1AB0–1AFF,
    /// U+1DC0–1DFF, U+20D0–20FF, U+FE20–FE2D) are absent on purpose: they are Inherited.
    private static let scriptRanges: [(first: UInt32, last: UInt32, script: Script)] = [
        (0x00AA, 0x00AA, .latin), (0x00BA, 0x00BA, .latin), (0x00C0, 0x00D6, .latin), (0x00D8, 0x00F6, .latin),
        (0x00F8, 0x02B8, .latin), (0x02E0, 0x02E4, .latin),
        (0x0370, 0x03E1, .greek), (0x03E2, 0x03EF, .coptic), (0x03F0, 0x03FF, .greek),
        (0x0400, 0x052F, .cyrillic), (0x0531, 0x058F, .armenian), (0x0591, 0x05FF, .hebrew),
        (0x0600, 0x06FF, .arabic), (0x0700, 0x074F, .syriac), (0x0750, 0x077F, .arabic),
        (0x0780, 0x07BF, .thaana), (0x07C0, 0x07FF, .nko), (0x0860, 0x086F, .syriac), (0x0870, 0x08FF, .arabic),
        (0x0900, 0x097F, .devanagari), (0x0980, 0x09FF, .bengali), (0x0A00, 0x0A7F, .gurmukhi),
        (0x0A80, 0x0AFF, .gujarati), (0x0B00, 0x0B7F, .oriya), (0x0B80, 0x0BFF, .tamil),
        (0x0C00, 0x0C7F, .telugu), (0x0C80, 0x0CFF, .kannada), (0x0D00, 0x0D7F, .malayalam),
        (0x0D80, 0x0DFF, .sinhala), (0x0E00, 0x0E7F, .thai), (0x0E80, 0x0EFF, .lao), (0x0F00, 0x0FFF, .tibetan),
        (0x1000, 0x109F, .myanmar), (0x10A0, 0x10FF, .georgian), (0x1100, 0x11FF, .hangul),
        (0x1200, 0x139F, .ethiopic), (0x13A0, 0x13FF, .cherokee), (0x1400, 0x167F, .canadianAboriginal),
        (0x1680, 0x169F, .ogham), (0x16A0, 0x16FF, .runic), (0x1780, 0x17FF, .khmer),
        (0x1800, 0x18AF, .mongolian), (0x18B0, 0x18FF, .canadianAboriginal), (0x19E0, 0x19FF, .khmer),
        (0x1C80, 0x1C8F, .cyrillic), (0x1C90, 0x1CBF, .georgian),
        (0x1D00, 0x1D25, .latin), (0x1D26, 0x1D2A, .greek), (0x1D2B, 0x1D2B, .cyrillic), (0x1D2C, 0x1D5C, .latin),
        (0x1D5D, 0x1D61, .greek), (0x1D62, 0x1D65, .latin), (0x1D66, 0x1D6A, .greek), (0x1D6B, 0x1D77, .latin),
        (0x1D78, 0x1D78, .cyrillic), (0x1D79, 0x1DBE, .latin), (0x1DBF, 0x1DBF, .greek),
        (0x1E00, 0x1EFF, .latin), (0x1F00, 0x1FFF, .greek),
        (0x2071, 0x2071, .latin), (0x207F, 0x207F, .latin), (0x2090, 0x209C, .latin),
        (0x2126, 0x2126, .greek), (0x212A, 0x212B, .latin), (0x2132, 0x2132, .latin), (0x214E, 0x214E, .latin),
        (0x2160, 0x2188, .latin), (0x2C00, 0x2C5F, .other), (0x2C60, 0x2C7F, .latin), (0x2C80, 0x2CFF, .coptic),
        (0x2D00, 0x2D2F, .georgian), (0x2D30, 0x2D7F, .tifinagh), (0x2D80, 0x2DDF, .ethiopic),
        (0x2DE0, 0x2DFF, .cyrillic), (0x2E80, 0x2FDF, .han),
        (0x3005, 0x3005, .han), (0x3007, 0x3007, .han), (0x3021, 0x3029, .han), (0x3038, 0x303B, .han),
        (0x3041, 0x3096, .hiragana), (0x309D, 0x309F, .hiragana), (0x30A1, 0x30FA, .katakana),
        (0x30FD, 0x30FF, .katakana), (0x3100, 0x312F, .bopomofo), (0x3131, 0x318E, .hangul),
        (0x31A0, 0x31BF, .bopomofo), (0x31F0, 0x31FF, .katakana), (0x32D0, 0x32FE, .katakana),
        (0x3300, 0x3357, .katakana), (0x3400, 0x4DBF, .han), (0x4E00, 0x9FFF, .han), (0xA000, 0xA4CF, .yi),
        (0xA4D0, 0xA4FF, .lisu), (0xA500, 0xA63F, .vai), (0xA640, 0xA69F, .cyrillic),
        (0xA722, 0xA787, .latin), (0xA78B, 0xA7FF, .latin), (0xA8E0, 0xA8FF, .devanagari),
        (0xA960, 0xA97F, .hangul), (0xA9E0, 0xA9FF, .myanmar), (0xAA60, 0xAA7F, .myanmar),
        (0xAB00, 0xAB2F, .ethiopic), (0xAB30, 0xAB5A, .latin), (0xAB5C, 0xAB64, .latin), (0xAB65, 0xAB65, .greek),
        (0xAB70, 0xABBF, .cherokee), (0xAC00, 0xD7FF, .hangul), (0xF900, 0xFAFF, .han),
        (0xFB00, 0xFB06, .latin), (0xFB13, 0xFB17, .armenian), (0xFB1D, 0xFB4F, .hebrew),
        (0xFB50, 0xFDFF, .arabic), (0xFE2E, 0xFE2F, .cyrillic), (0xFE70, 0xFEFE, .arabic),
        (0xFF21, 0xFF3A, .latin), (0xFF41, 0xFF5A, .latin), (0xFF66, 0xFF6F, .katakana),
        (0xFF71, 0xFF9D, .katakana), (0xFFA1, 0xFFDC, .hangul),
        (0x10E60, 0x10E7F, .arabic), (0x1B000, 0x1B000, .katakana), (0x1B001, 0x1B11F, .hiragana),
        (0x1EE00, 0x1EEFF, .arabic), (0x20000, 0x3134F, .han),
    ]
}

// MARK: - Emails

extension EntityExtractor {
    /// `local@domain.tld` outside URLs: an ASCII dot-atom local part (RFC 5322 `atext`)
    /// that starts with a letter, digit, `_` or `-` (a leading quote or bracket is taken as
    /// punctuation around the address), and a domain of ASCII letter, digit and hyphen
    /// labels ending in a top-level domain of two or more letters. The domain is lowercased;
    /// the local part is kept as written, since it may be case-sensitive. Internationalised
    /// addresses are not recognised. An address glued to a letter of a cased script
    /// (`éric@…`, `…@example.comé`) is left alone rather than cut short.
    private static func emails(in scalars: [Unicode.Scalar], covered: inout [Bool]) -> [String] {
        var result: [String] = []
        var seen: Set<String> = []
        var floor = 0  // no local part reaches back into an earlier email
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "@", !covered[index] else {
                index += 1
                continue
            }
            var localStart = index
            while localStart > floor, !covered[localStart - 1], isLocalPartScalar(scalars[localStart - 1]) {
                localStart -= 1
            }
            let gluedBefore = localStart > 0 && !covered[localStart - 1] && isCasedOrMark(scalars[localStart - 1])
            while localStart < index, !isLocalPartStart(scalars[localStart]) { localStart += 1 }

            var domainEnd = index + 1
            while domainEnd < scalars.count, !covered[domainEnd], isDomainScalar(scalars[domainEnd]) { domainEnd += 1 }
            let gluedAfter = domainEnd < scalars.count && !covered[domainEnd]
                && (isCasedOrMark(scalars[domainEnd]) || scalars[domainEnd] == "@")
            while domainEnd > index + 1, scalars[domainEnd - 1] == "." { domainEnd -= 1 }

            let local = scalars[localStart..<index]
            let domain = scalars[(index + 1)..<domainEnd]
            guard !gluedBefore, !gluedAfter, isValidLocalPart(local), isValidDomain(domain) else {
                index += 1
                continue
            }
            let address = string(local) + "@" + string(domain).lowercased()
            if seen.insert(address).inserted { result.append(address) }
            for position in localStart..<domainEnd { covered[position] = true }
            floor = domainEnd
            index = domainEnd
        }
        return result
    }

    private static func isLocalPartScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        if isASCIIAlphanumeric(scalar) { return true }
        return ".!#$%&'*+/=?^_`{|}~-".unicodeScalars.contains(scalar)
    }

    private static func isLocalPartStart(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIAlphanumeric(scalar) || scalar == "_" || scalar == "-"
    }

    private static func isDomainScalar(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIAlphanumeric(scalar) || scalar == "-" || scalar == "."
    }

    private static func isValidLocalPart(_ local: ArraySlice<Unicode.Scalar>) -> Bool {
        guard (1...64).contains(local.count), local.last != "." else { return false }
        var previous: Unicode.Scalar?
        for scalar in local {
            if scalar == ".", previous == "." { return false }
            previous = scalar
        }
        return local.contains(where: isASCIIAlphanumeric)
    }

    private static func isValidDomain(_ domain: ArraySlice<Unicode.Scalar>) -> Bool {
        guard (4...253).contains(domain.count) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let topLevel = labels.last else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
        }
        return topLevel.count >= 2 && topLevel.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }

    /// A letter of a script with case (Latin, Greek, Cyrillic, …) or a combining mark:
    /// something an ASCII address cannot be separated from without a space.
    private static func isCasedOrMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return scalar.properties.isCased
        }
    }
}

// MARK: - Phone numbers

extension EntityExtractor {
    /// Phone numbers outside URLs and emails, as E.164, de-duplicated in order of appearance.
    ///
    /// A candidate is a run of digits (any Unicode decimal digits) and the separators people
    /// type (spaces, `-` and other dashes, `.`, `(`, `)`), optionally with a `+` before the
    /// first digit, with at most three separators in a row and at most two spaces among
    /// them. The run is taken whole or not at all: it is not a phone number when it is glued
    /// to something else, that is preceded or followed by a letter or digit (`AB1234567`,
    /// `1234567X`, an IBAN), by `_ @ # $ % & = / \ ~ ^ *` or a currency sign, or joined to a
    /// word by `-`, `.`, `/`, `:` or `,` (`ID-4155550100`, `2024-01-15 10:30`,
    /// `1.234.567,89`). It needs 7–15 digits in all (a longer run is some other number, such
    /// as a card or account number, and no phone number is cut out of it), must not look
    /// like a date (`2024-01-15`, `15.01.2024`) or an IPv4 address, and must be accepted by
    /// ``PhoneNumberNormalizer`` in ``defaultRegion``. The one exception to "whole": a run
    /// whose space-separated parts are each a valid number on its own
    /// (`415-555-0100 415-555-0101`) gives each part. If the region is unknown, only
    /// numbers written with `+` are taken.
    private func phones(in scalars: [Unicode.Scalar], covered: [Bool]) -> [String] {
        let regionKnown = PhoneRegion.named(defaultRegion) != nil
        var result: [String] = []
        var seen: Set<String> = []
        var index = 0
        while index < scalars.count {
            guard !covered[index], Self.startsPhoneRun(scalars, at: index) else {
                index += 1
                continue
            }
            let (run, scanEnd) = Self.phoneRun(scalars, from: index, covered: covered)
            if let run, !Self.isGluedBefore(scalars, at: run.lowerBound),
               !Self.isGluedAfter(scalars, at: run.upperBound) {
                for number in numbers(in: scalars[run], regionKnown: regionKnown) where seen.insert(number).inserted {
                    result.append(number)
                }
            }
            index = max(index + 1, scanEnd)
        }
        return result
    }

    /// The run as one number, or else, if every space-separated part of it is a complete
    /// number on its own (`415-555-0100 415-555-0101`), each part. A run is never cut
    /// anywhere else, so no number is made up from pieces of a longer one.
    private func numbers(in run: ArraySlice<Unicode.Scalar>, regionKnown: Bool) -> [String] {
        if let number = normalize(run, regionKnown: regionKnown) { return [number] }
        var parts: [ArraySlice<Unicode.Scalar>] = []
        var partStart = run.startIndex
        for position in run.indices where Self.isSpace(run[position]) {
            parts.append(run[partStart..<position])
            partStart = position + 1
        }
        guard !parts.isEmpty else { return [] }
        parts.append(run[partStart...])
        parts.removeAll { !$0.contains(where: Self.isDigit) }  // the `-` of `… - …`
        var numbers: [String] = []
        for part in parts {
            guard let number = normalize(part, regionKnown: regionKnown) else { return [] }
            numbers.append(number)
        }
        return numbers
    }

    private static func startsPhoneRun(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        if isDigit(scalar) { return true }
        guard index + 1 < scalars.count else { return false }
        let next = scalars[index + 1]
        switch scalar {
        case "+", "\u{FF0B}": return isDigit(next)
        case "(": return isDigit(next) || next == "+"
        default: return false
        }
    }

    /// The run starting at `start`, from its first character to just after its last digit
    /// (`nil` without digits), and where the scan stopped.
    private static func phoneRun(
        _ scalars: [Unicode.Scalar], from start: Int, covered: [Bool]
    ) -> (run: Range<Int>?, scanEnd: Int) {
        var lastDigitEnd = -1
        var separators = 0
        var spaces = 0
        var position = start
        while position < scalars.count, !covered[position] {
            let scalar = scalars[position]
            if scalar == "+" || scalar == "\u{FF0B}", lastDigitEnd < 0, separators <= 1, spaces == 0 {
                // `+44 …` or `(+44) …`: only before the first digit.
                separators = 0
            } else if isDigit(scalar) {
                separators = 0
                spaces = 0
                lastDigitEnd = position + 1
            } else if isPhoneSeparator(scalar) {
                separators += 1
                if isSpace(scalar) { spaces += 1 }
                if separators > 3 || spaces > 2 { break }
            } else {
                break
            }
            position += 1
        }
        return (lastDigitEnd > start ? start..<lastDigitEnd : nil, position)
    }

    private static func isGluedBefore(_ scalars: [Unicode.Scalar], at start: Int) -> Bool {
        guard start > 0 else { return false }
        let previous = scalars[start - 1]
        if isWordScalar(previous) || isCurrency(previous) || "_@#$%&=/\\~^*+".unicodeScalars.contains(previous) {
            return true
        }
        return (previous == "-" || previous == ".") && start > 1 && isWordScalar(scalars[start - 2])
    }

    private static func isGluedAfter(_ scalars: [Unicode.Scalar], at end: Int) -> Bool {
        guard end < scalars.count else { return false }
        let next = scalars[end]
        if isWordScalar(next) || isCurrency(next) || "_@%".unicodeScalars.contains(next) { return true }
        return "-./:,".unicodeScalars.contains(next) && end + 1 < scalars.count && isWordScalar(scalars[end + 1])
    }

    /// `candidate` in E.164, if it has 7–15 digits, is not a date or an IPv4 address, and
    /// the normaliser accepts it.
    private func normalize(_ candidate: ArraySlice<Unicode.Scalar>, regionKnown: Bool) -> String? {
        guard (7...15).contains(candidate.reduce(0) { $0 + (Self.isDigit($1) ? 1 : 0) }),
              !Self.looksLikeDateOrAddress(candidate)
        else { return nil }
        let international = candidate.prefix(while: { !Self.isDigit($0) }).contains { $0 == "+" || $0 == "\u{FF0B}" }
        // `+` numbers do not depend on the region, but the normaliser insists on a known one.
        guard regionKnown || international else { return nil }
        let region = regionKnown ? defaultRegion : "US"
        return try? PhoneNumberNormalizer().normalize(Self.string(candidate), defaultRegion: region)
    }

    /// `2024-01-15`, `15.01.2024`, `1/2/24` (three digit groups, one separator) and
    /// `192.168.1.100` (four dot-separated groups of up to three digits).
    private static func looksLikeDateOrAddress(_ candidate: ArraySlice<Unicode.Scalar>) -> Bool {
        var lengths: [Int] = []
        var separators: [Unicode.Scalar] = []
        var current = 0
        var pendingSeparator: Unicode.Scalar?
        var separatorLength = 0
        for scalar in candidate {
            if isDigit(scalar) {
                if current == 0, !lengths.isEmpty {
                    guard separatorLength == 1, let pendingSeparator else { return false }
                    separators.append(pendingSeparator)
                }
                current += 1
            } else {
                if current > 0 {
                    lengths.append(current)
                    current = 0
                    separatorLength = 0
                }
                guard !lengths.isEmpty else { return false }  // starts with `+` or `(`
                pendingSeparator = scalar
                separatorLength += 1
            }
        }
        if current > 0 { lengths.append(current) }
        guard Set(separators).count == 1, let separator = separators.first else { return false }
        if lengths.count == 3, "-./".unicodeScalars.contains(separator) {
            let (a, b, c) = (lengths[0], lengths[1], lengths[2])
            if a == 4, (1...2).contains(b), (1...2).contains(c) { return true }
            if (1...2).contains(a), (1...2).contains(b), c == 2 || c == 4 { return true }
        }
        if lengths.count == 4, separator == ".", lengths.allSatisfy({ (1...3).contains($0) }) { return true }
        return false
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        return scalar.properties.numericType == .decimal
    }

    private static func isPhoneSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "-", ".", "(", ")", "\u{2010}"..."\u{2015}", "\u{2212}", "\u{FF08}", "\u{FF09}", "\u{FF0D}", "\u{FF0E}":
            true
        default:
            isSpace(scalar)
        }
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || (!scalar.isASCII && scalar.properties.generalCategory == .spaceSeparator)
    }

    private static func isCurrency(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "$" || (!scalar.isASCII && scalar.properties.generalCategory == .currencySymbol)
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
