import Foundation

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
    static func isDeceptive(_ label: String, isTopLevel: Bool, topLevel: String?) -> Bool {
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
            topLevel.unicodeScalars.allSatisfy({ $0.isASCII || script(of: $0) == only || script(of: $0) == nil })
        {
            return false
        }
        return true
    }

    /// The script combinations allowed in one label, as in UTS #39's "Highly Restrictive"
    /// level: Latin with the scripts written together in Japanese, Chinese and Korean.
    static let allowedScriptCombinations: [Set<Script>] = [
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
    static let latinLookAlikes: Set<UInt32> = Set(
        [
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
    static let scriptRanges: [(first: UInt32, last: UInt32, script: Script)] = [
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
