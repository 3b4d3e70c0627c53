/// Splits an SMS text into the parts a carrier will deliver, and counts what is left in the
/// last part, so that the desktop's "Characters Remaining" counter, the number of billed
/// parts and the parts actually submitted all agree.
///
/// The rules follow GSM 03.38 and the concatenated-SMS user data header:
///
/// - **Encoding.** A text whose every Unicode scalar is in ``GSM7Alphabet`` (basic or
///   extension table) is sent as ``SMSEncoding/gsm7``; anything else makes the whole message
///   ``SMSEncoding/ucs2``. The check works on scalars, not `Character`s, because one
///   `Character` may hold several scalars (`"\r\n"`, an emoji with a skin tone).
/// - **Sizes.** GSM-7 fits 160 septets in a single message, and 153 per part once it needs
///   several (the concatenation header takes the other 7); an extension character (`€`,
///   `[`, …) takes two septets and is never split from its escape. UCS-2 fits 70 UTF-16 code
///   units in a single message, and 67 per part; a surrogate pair (most emoji) is never split,
///   since half of one shows as garbage on the handset.
/// - **Where parts end.** Handsets usually show the parts of a long message joined, but not
///   all of them do, and some show a part as soon as it arrives. So a part ends at a word
///   boundary where possible: after the last whitespace that fits, or right before whitespace
///   when a word ends exactly at the limit. Whitespace stays at the end of its part (or starts
///   the next one), never dropped or added, so joining the parts always gives back the
///   original text exactly. A word longer than a part is split hard, and a hard split still
///   keeps grapheme clusters (flags, emoji with skin tones or zero-width joiners, letters with
///   combining marks) whole unless one cluster alone is larger than a part.
///   Non-breaking spaces (U+00A0, U+2007, U+202F) are not break opportunities: they are
///   written precisely to keep their neighbours together.
public struct SMSSegmenter: Sendable {
    /// Septets in a single GSM-7 message.
    public static let gsm7SingleLimit = 160
    /// Septets per part of a concatenated GSM-7 message (7 go to the concatenation header).
    public static let gsm7PartLimit = 153
    /// UTF-16 code units in a single UCS-2 message.
    public static let ucs2SingleLimit = 70
    /// UTF-16 code units per part of a concatenated UCS-2 message.
    public static let ucs2PartLimit = 67

    public init() {}

    /// The encoding, parts and remaining capacity of `text`.
    ///
    /// The empty text has no parts and reports the full single-message GSM-7 capacity (160),
    /// which is what an empty composer shows.
    public func segment(_ text: String) -> SMSSegmentation {
        guard !text.isEmpty else {
            return SMSSegmentation(encoding: .gsm7, parts: [], charactersRemaining: Self.gsm7SingleLimit)
        }
        let isGSM7 = GSM7Alphabet.canEncode(text)
        let encoding: SMSEncoding = isGSM7 ? .gsm7 : .ucs2
        let singleLimit = isGSM7 ? Self.gsm7SingleLimit : Self.ucs2SingleLimit
        let partLimit = isGSM7 ? Self.gsm7PartLimit : Self.ucs2PartLimit

        let layout = Layout(text, isGSM7: isGSM7)
        let total = layout.cost(0, layout.count)
        if total <= singleLimit {
            return SMSSegmentation(encoding: encoding, parts: [text], charactersRemaining: singleLimit - total)
        }

        var cuts = [0]
        var start = 0
        while layout.cost(start, layout.count) > partLimit {
            start = layout.partEnd(from: start, limit: partLimit)
            cuts.append(start)
        }
        cuts.append(layout.count)

        var parts: [String] = []
        parts.reserveCapacity(cuts.count - 1)
        for index in 0..<(cuts.count - 1) {
            parts.append(layout.text(cuts[index], cuts[index + 1]))
        }
        let lastCost = layout.cost(cuts[cuts.count - 2], layout.count)
        return SMSSegmentation(encoding: encoding, parts: parts, charactersRemaining: partLimit - lastCost)
    }

    /// Whether a grapheme cluster is whitespace a part may end after. Its first scalar
    /// decides, as for `Character.isWhitespace`, so `"\r\n"` counts; non-breaking spaces do not.
    static func isBreakingWhitespace(_ character: Character) -> Bool {
        guard let first = character.unicodeScalars.first, first.properties.isWhitespace else { return false }
        switch first.value {
        case 0x00A0, 0x2007, 0x202F: return false
        default: return true
        }
    }

    /// The text flattened to scalars with their cost and the boundaries between grapheme
    /// clusters and words, so that parts can be chosen by index without re-walking the string.
    private struct Layout {
        var scalars: [Unicode.Scalar] = []
        /// `cumulative[i]` is the cost (septets or UTF-16 units) of `scalars[0..<i]`.
        var cumulative: [Int] = [0]
        /// `clusterStart[i]`: a grapheme cluster starts at `i` (true at `count`).
        var clusterStart: [Bool] = []
        /// `whitespaceStart[i]`: a breaking whitespace cluster starts at `i`.
        var whitespaceStart: [Bool] = []
        /// `afterWhitespace[i]`: a cluster starts at `i` right after a breaking whitespace cluster.
        var afterWhitespace: [Bool] = []

        var count: Int { scalars.count }

        init(_ text: String, isGSM7: Bool) {
            var previousWasWhitespace = false
            for character in text {
                let isWhitespace = SMSSegmenter.isBreakingWhitespace(character)
                var first = true
                for scalar in character.unicodeScalars {
                    let cost = isGSM7 ? (GSM7Alphabet.septets(for: scalar) ?? 1) : UTF16.width(scalar)
                    scalars.append(scalar)
                    cumulative.append(cumulative[cumulative.count - 1] + cost)
                    clusterStart.append(first)
                    whitespaceStart.append(first && isWhitespace)
                    afterWhitespace.append(first && previousWasWhitespace)
                    first = false
                }
                previousWasWhitespace = isWhitespace
            }
            clusterStart.append(true)
            whitespaceStart.append(false)
            afterWhitespace.append(previousWasWhitespace)
        }

        func cost(_ from: Int, _ to: Int) -> Int {
            cumulative[to] - cumulative[from]
        }

        func text(_ from: Int, _ to: Int) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[from..<to])
            return String(view)
        }

        /// Where the part starting at `start` ends, given that the rest does not fit in it.
        func partEnd(from start: Int, limit: Int) -> Int {
            // The furthest scalar boundary that fits. Every scalar costs at most 2, so the part
            // is never empty, and an extension character or surrogate pair is never split.
            var end = start
            while end < count, cost(start, end + 1) <= limit { end += 1 }

            // The last word boundary that fits: right before whitespace (a word ends there)
            // or right after it (a word starts there).
            var boundary = end
            while boundary > start, !(clusterStart[boundary] && (whitespaceStart[boundary] || afterWhitespace[boundary])) {
                boundary -= 1
            }
            if boundary > start {
                if whitespaceStart[boundary] { return boundary }
                // A word starts at the boundary: move it to the next part, unless it would not
                // fit in a part of its own anyway, in which case it is split hard here.
                var wordEnd = boundary
                while wordEnd < count, !(clusterStart[wordEnd] && whitespaceStart[wordEnd]) { wordEnd += 1 }
                if cost(boundary, wordEnd) <= limit { return boundary }
            }

            // Hard split: at the last cluster boundary that fits, or inside a cluster that is
            // larger than a whole part.
            var cluster = end
            while cluster > start, !clusterStart[cluster] { cluster -= 1 }
            return cluster > start ? cluster : end
        }
    }
}
