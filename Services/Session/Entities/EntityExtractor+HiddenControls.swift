import Foundation

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
    static func joinsEmoji(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before] == "\u{FE0F}" || (0x1F3FB...0x1F3FF).contains(scalars[before].value) {
            before -= 1
        }
        let after = index + 1
        guard before >= 0, after < scalars.count else { return false }
        return isEmoji(scalars[before]) && isEmoji(scalars[after])
    }

    /// Emoji proper: `isEmoji` is also true for ASCII digits, `#` and `*` (keycap bases).
    static func isEmoji(_ scalar: Unicode.Scalar) -> Bool {
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
