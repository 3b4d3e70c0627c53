import Foundation
import SwitchboardTestSupport
import Testing

@testable import SwitchboardModels

@Suite("SMS segmentation")
struct SMSSegmenterTests {
    let segmenter = SMSSegmenter()

    // MARK: Helpers

    func septets(_ text: String) -> Int {
        GSM7Alphabet.septetCount(of: text) ?? -1
    }

    func units(_ text: String) -> Int {
        text.utf16.count
    }

    func size(_ text: String, _ encoding: SMSEncoding) -> Int {
        encoding == .gsm7 ? septets(text) : units(text)
    }

    func repeated(_ piece: String, _ count: Int) -> String {
        String(repeating: piece, count: count)
    }

    /// The properties every segmentation must have, whatever the text.
    func checkInvariants(_ text: String, _ result: SMSSegmentation, sourceLocation: SourceLocation = #_sourceLocation) {
        let joined = result.parts.joined()
        #expect(Array(joined.unicodeScalars) == Array(text.unicodeScalars), "parts join to the text", sourceLocation: sourceLocation)
        let expectedEncoding: SMSEncoding = GSM7Alphabet.canEncode(text) ? .gsm7 : .ucs2
        #expect(result.encoding == expectedEncoding, sourceLocation: sourceLocation)
        #expect(result.parts.allSatisfy { !$0.isEmpty }, "no empty part", sourceLocation: sourceLocation)
        let single = result.encoding == .gsm7 ? 160 : 70
        let multi = result.encoding == .gsm7 ? 153 : 67
        let total = size(text, result.encoding)
        if text.isEmpty {
            #expect(result.parts.isEmpty && result.charactersRemaining == 160, sourceLocation: sourceLocation)
        } else if total <= single {
            #expect(result.parts == [text], sourceLocation: sourceLocation)
            #expect(result.charactersRemaining == single - total, sourceLocation: sourceLocation)
        } else {
            #expect(result.parts.count >= 2, sourceLocation: sourceLocation)
            for part in result.parts {
                #expect(size(part, result.encoding) <= multi, "part within \(multi)", sourceLocation: sourceLocation)
            }
            let last = result.parts.last ?? ""
            #expect(result.charactersRemaining == multi - size(last, result.encoding), sourceLocation: sourceLocation)
        }
    }

    // MARK: GSM-7 alphabet

    @Test func basicTableIsExactlyGSM0338() {
        // Code points of the default alphabet, 0x00...0x7F (0x1B is the escape, no character).
        let controlAndGreek: [UInt32?] = [
            0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D, 0xC5, 0xE5,
            0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, nil, 0xC6, 0xE6, 0xDF, 0xC9,
        ]
        let punctuation: [UInt32] = [0x20, 0x21, 0x22, 0x23, 0xA4, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F]
        var rest: [UInt32] = punctuation
        rest.append(contentsOf: 0x30...0x3F)
        rest.append(0xA1)
        rest.append(contentsOf: 0x41...0x5A)
        rest.append(contentsOf: [0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF])
        rest.append(contentsOf: 0x61...0x7A)
        rest.append(contentsOf: [0xE4, 0xF6, 0xF1, 0xFC, 0xE0])
        let expected: [UInt32?] = controlAndGreek + rest.map { Optional($0) }
        #expect(GSM7Alphabet.basicTable.count == 128)
        #expect(GSM7Alphabet.basicTable.map { $0?.value } == expected)
    }

    @Test func extensionTableIsExactlyGSM0338() {
        let expected: [UInt8: UInt32] = [
            0x0A: 0x0C, 0x14: 0x5E, 0x28: 0x7B, 0x29: 0x7D, 0x2F: 0x5C,
            0x3C: 0x5B, 0x3D: 0x7E, 0x3E: 0x5D, 0x40: 0x7C, 0x65: 0x20AC,
        ]
        #expect(GSM7Alphabet.extensionTable.mapValues(\.value) == expected)
    }

    @Test func tableMembership() {
        #expect(GSM7Alphabet.septets(for: "@") == 1)
        #expect(GSM7Alphabet.septets(for: "£") == 1)
        #expect(GSM7Alphabet.septets(for: "è") == 1)
        #expect(GSM7Alphabet.septets(for: "Ç") == 1)
        #expect(GSM7Alphabet.septets(for: "ç") == nil, "only capital Ç is in GSM 03.38")
        #expect(GSM7Alphabet.septets(for: "€") == 2)
        #expect(GSM7Alphabet.isExtension("€"))
        #expect(!GSM7Alphabet.isExtension("@"))
        #expect(GSM7Alphabet.septets(for: "\u{0394}") == 1, "Greek capital delta")
        #expect(GSM7Alphabet.septets(for: "\u{2206}") == nil, "the increment sign is not delta")
        #expect(GSM7Alphabet.septets(for: "\u{2126}") == nil, "the ohm sign is not omega")
        #expect(GSM7Alphabet.septets(for: "\u{1B}") == nil, "the escape is no character")
        #expect(GSM7Alphabet.septets(for: "`") == nil)
        #expect(GSM7Alphabet.septets(for: "\t") == nil)
        #expect(GSM7Alphabet.septets(for: "á") == nil)
        for scalar in "^{}\\[~]|€\u{0C}".unicodeScalars {
            #expect(GSM7Alphabet.septets(for: scalar) == 2, "\(scalar.escaped(asASCII: true)) is in the extension table")
        }
        #expect(segmenter.segment("Ça va?").encoding == .gsm7)
        #expect(segmenter.segment("ça va?").encoding == .ucs2)
    }

    @Test func extensionCharactersCountTwo() {
        #expect(segmenter.segment("€").charactersRemaining == 158)
        #expect(segmenter.segment("Price: 5€ [approx]").charactersRemaining == 160 - 18 - 3)
        let eighty = segmenter.segment(repeated("€", 80))
        #expect(eighty.parts.count == 1 && eighty.charactersRemaining == 0)
        let eightyOne = segmenter.segment(repeated("€", 81))
        #expect(eightyOne.parts == [repeated("€", 76), repeated("€", 5)])
        #expect(eightyOne.charactersRemaining == 153 - 10)
    }

    @Test func crlfIsTwoSeptets() {
        let result = segmenter.segment("a\r\nb")
        #expect(result.encoding == .gsm7)
        #expect(result.charactersRemaining == 156)
    }

    // MARK: GSM-7 boundaries

    @Test func gsm7SingleMessageBoundary() {
        let full = segmenter.segment(repeated("a", 160))
        #expect(full == SMSSegmentation(encoding: .gsm7, parts: [repeated("a", 160)], charactersRemaining: 0))
        let over = segmenter.segment(repeated("a", 161))
        #expect(over.parts == [repeated("a", 153), repeated("a", 8)])
        #expect(over.charactersRemaining == 145)
    }

    @Test func gsm7ConcatenatedBoundary() {
        let two = segmenter.segment(repeated("x", 306))
        #expect(two.parts == [repeated("x", 153), repeated("x", 153)])
        #expect(two.charactersRemaining == 0)
        let three = segmenter.segment(repeated("x", 307))
        #expect(three.parts == [repeated("x", 153), repeated("x", 153), "x"])
        #expect(three.charactersRemaining == 152)
    }

    @Test func extensionCharacterAtBoundaryMovesToNextPart() {
        let text = repeated("a", 152) + "€" + repeated("a", 10)
        let result = segmenter.segment(text)
        #expect(result.encoding == .gsm7)
        #expect(result.parts == [repeated("a", 152), "€" + repeated("a", 10)])
        #expect(result.charactersRemaining == 153 - 12)
        checkInvariants(text, result)
    }

    @Test func wordBoundariesAreRespected() {
        let words = ["hello", "world", "switchboard", "a", "contact", "centre", "SMS", "is", "great", "ok"]
        var rng = SplitMix64(seed: 7)
        var text = ""
        while text.count < 700 {
            text += words[Int(rng.next() % UInt64(words.count))] + " "
        }
        text += "end"
        let result = segmenter.segment(text)
        checkInvariants(text, result)
        #expect(result.parts.count >= 5)
        for (left, right) in zip(result.parts, result.parts.dropFirst()) {
            let splitsWord = !(left.last?.isWhitespace ?? true) && !(right.first?.isWhitespace ?? true)
            #expect(!splitsWord, "no word split between \(left.debugDescription) and \(right.debugDescription)")
        }
    }

    @Test func wordBoundaryExamples() {
        // The break comes after the last space that fits, and the space stays in the first part.
        let text = repeated("a", 150) + " " + repeated("b", 20)
        let result = segmenter.segment(text)
        #expect(result.parts == [repeated("a", 150) + " ", repeated("b", 20)])
        #expect(result.charactersRemaining == 133)

        // A word that ends exactly at the limit stays whole and the next part starts with the space.
        let exact = repeated("a", 153) + " " + repeated("b", 20)
        #expect(segmenter.segment(exact).parts == [repeated("a", 153), " " + repeated("b", 20)])

        // A word longer than a part is split hard instead of leaving a short first part.
        let long = "Hi " + repeated("c", 200)
        let longResult = segmenter.segment(long)
        #expect(longResult.parts == ["Hi " + repeated("c", 150), repeated("c", 50)])

        // Line breaks are word boundaries too, and "\r\n" stays together.
        let lines = repeated("d", 152) + "\r\n" + repeated("e", 10)
        #expect(segmenter.segment(lines).parts == [repeated("d", 152), "\r\n" + repeated("e", 10)])

        // A no-break space is not a break opportunity.
        let nbsp = "ç" + repeated("a", 62) + " 10\u{00A0}kg more"
        let nbspResult = segmenter.segment(nbsp)
        #expect(nbspResult.encoding == .ucs2)
        #expect(nbspResult.parts == ["ç" + repeated("a", 62) + " ", "10\u{00A0}kg more"])
    }

    // MARK: UCS-2 boundaries

    @Test func ucs2SingleMessageBoundary() {
        let full = segmenter.segment("ç" + repeated("a", 69))
        #expect(full.encoding == .ucs2)
        #expect(full.parts.count == 1 && full.charactersRemaining == 0)
        let over = segmenter.segment("ç" + repeated("a", 70))
        #expect(over.encoding == .ucs2)
        #expect(over.parts == ["ç" + repeated("a", 66), repeated("a", 4)])
        #expect(over.charactersRemaining == 63)
    }

    @Test func ucs2ConcatenatedBoundary() {
        let two = segmenter.segment("ç" + repeated("a", 133))
        #expect(two.parts.count == 2 && two.charactersRemaining == 0)
        let three = segmenter.segment("ç" + repeated("a", 134))
        #expect(three.parts.count == 3 && three.charactersRemaining == 66)
        #expect(three.parts.map(\.utf16.count) == [67, 67, 1])
    }

    @Test func emojiIsNeverSplit() {
        let text = repeated("a", 69) + "😀"
        let result = segmenter.segment(text)
        #expect(result.encoding == .ucs2)
        #expect(result.parts == [repeated("a", 67), "aa😀"])
        #expect(result.charactersRemaining == 63)

        // The surrogate pair would straddle the 67-unit limit: it moves to the next part.
        let straddling = repeated("a", 66) + "😀" + repeated("a", 10)
        let straddled = segmenter.segment(straddling)
        #expect(straddled.parts == [repeated("a", 66), "😀" + repeated("a", 10)])
        checkInvariants(straddling, straddled)
    }

    @Test func graphemeClustersStayWhole() {
        let family = "👨\u{200D}👩\u{200D}👧"  // 8 UTF-16 units
        let withFamily = repeated("a", 63) + family + repeated("a", 10)
        #expect(segmenter.segment(withFamily).parts == [repeated("a", 63), family + repeated("a", 10)])

        let flag = "🇺🇸"  // two regional indicators, 4 units
        let withFlag = repeated("a", 64) + flag + repeated("a", 10)
        #expect(segmenter.segment(withFlag).parts == [repeated("a", 64), flag + repeated("a", 10)])

        let thumbs = "👍🏽"  // emoji with skin tone, 4 units
        let withThumbs = repeated("a", 65) + thumbs + repeated("a", 10)
        #expect(segmenter.segment(withThumbs).parts == [repeated("a", 65), thumbs + repeated("a", 10)])

        // A cluster larger than a part has to be split, but only between scalars.
        let huge = "e" + repeated("\u{0301}", 100)
        let hugeResult = segmenter.segment(huge)
        #expect(hugeResult.encoding == .ucs2)
        #expect(hugeResult.parts.map(\.utf16.count) == [67, 34])
        checkInvariants(huge, hugeResult)
    }

    // MARK: Remaining characters and edge cases

    @Test func charactersRemaining() {
        #expect(segmenter.segment("Hello").charactersRemaining == 155)
        #expect(segmenter.segment("Hello €").charactersRemaining == 152)
        #expect(segmenter.segment("你好").charactersRemaining == 68)
        #expect(segmenter.segment("Hi 😀").charactersRemaining == 65)
        #expect(segmenter.segment(repeated("a", 200)).charactersRemaining == 153 - 47)
    }

    @Test func emptyText() {
        #expect(segmenter.segment("") == SMSSegmentation(encoding: .gsm7, parts: [], charactersRemaining: 160))
    }

    @Test func encodesWithSnakeCaseKeys() throws {
        let data = try SwitchboardJSON.encoder().encode(segmenter.segment("Hi"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(json?["encoding"] as? String == "gsm7")
        #expect(json?["parts"] as? [String] == ["Hi"])
        #expect(json?["characters_remaining"] as? Int == 158)
        let decoded = try SwitchboardJSON.decoder().decode(SMSSegmentation.self, from: data)
        #expect(decoded == segmenter.segment("Hi"))
    }

    // MARK: Random texts

    @Test(arguments: [false, true])
    func randomTextsKeepTheInvariants(gsm7Only: Bool) {
        let gsm7Pieces = [
            "a", "Z", "0", " ", "  ", "\n", "\r\n", "@", "£", "€", "[", "]", "{", "}", "|", "\\", "~", "^",
            "\u{0C}", "ß", "Ç", "Δ", "é", "word", "longerword", ".", "!",
        ]
        let otherPieces = [
            "ç", "😀", "👍🏽", "🇺🇸", "👨\u{200D}👩\u{200D}👧", "你好", "e\u{0301}", "\u{00A0}", "\t",
            "\u{3000}", "𝄞", "é",
        ]
        let pieces = gsm7Only ? gsm7Pieces : gsm7Pieces + otherPieces
        var rng = SplitMix64(seed: gsm7Only ? 0x5EED : 0xC0FFEE)
        for _ in 0..<400 {
            let count = Int(rng.next() % 260)
            var text = ""
            for _ in 0..<count {
                text += pieces[Int(rng.next() % UInt64(pieces.count))]
            }
            let result = segmenter.segment(text)
            checkInvariants(text, result)
            if gsm7Only { #expect(result.encoding == .gsm7) }
        }
    }
}
