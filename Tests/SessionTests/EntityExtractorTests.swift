import Foundation
import SwitchboardModels
import SwitchboardTestSupport
import Testing

@testable import Session

/// One RFC 3492 section 7.1 sample: the label's code points and its Punycode.
struct PunycodeVector: Sendable, CustomTestStringConvertible {
    let name: String
    let codePoints: [UInt32]
    let punycode: String

    init(_ name: String, _ codePoints: [UInt32], _ punycode: String) {
        self.name = name
        self.codePoints = codePoints
        self.punycode = punycode
    }

    var label: String {
        var scalars = String.UnicodeScalarView()
        for value in codePoints {
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    var testDescription: String { "(\(name)) → \(punycode)" }
}

@Suite("Punycode")
struct PunycodeTests {
    /// RFC 3492 section 7.1. The RFC prints sample (I) with a mixed-case annotation (`…baDot…`);
    /// without annotation, which the RFC makes optional, it is all lowercase.
    static let vectors: [PunycodeVector] = [
        .init(
            "A Arabic (Egyptian)",
            [
                0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628, 0x062A, 0x0643, 0x0644, 0x0645, 0x0648, 0x0634, 0x0639,
                0x0631, 0x0628, 0x064A, 0x061F,
            ], "egbpdaj6bu4bxfgehfvwxn"),
        .init(
            "B Chinese (simplified)", [0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587],
            "ihqwcrb4cv8a8dqg056pqjye"),
        .init(
            "C Chinese (traditional)", [0x4ED6, 0x5011, 0x7232, 0x4EC0, 0x9EBD, 0x4E0D, 0x8AAA, 0x4E2D, 0x6587],
            "ihqwctvzc91f659drss3x8bo0yb"),
        .init(
            "D Czech",
            [
                0x0050, 0x0072, 0x006F, 0x010D, 0x0070, 0x0072, 0x006F, 0x0073, 0x0074, 0x011B, 0x006E, 0x0065, 0x006D,
                0x006C, 0x0075, 0x0076, 0x00ED, 0x010D, 0x0065, 0x0073, 0x006B, 0x0079,
            ], "Proprostnemluvesky-uyb24dma41a"),
        .init(
            "E Hebrew",
            [
                0x05DC, 0x05DE, 0x05D4, 0x05D4, 0x05DD, 0x05E4, 0x05E9, 0x05D5, 0x05D8, 0x05DC, 0x05D0, 0x05DE, 0x05D3,
                0x05D1, 0x05E8, 0x05D9, 0x05DD, 0x05E2, 0x05D1, 0x05E8, 0x05D9, 0x05EA,
            ], "4dbcagdahymbxekheh6e0a7fei0b"),
        .init(
            "F Hindi (Devanagari)",
            [
                0x092F, 0x0939, 0x0932, 0x094B, 0x0917, 0x0939, 0x093F, 0x0928, 0x094D, 0x0926, 0x0940, 0x0915, 0x094D,
                0x092F, 0x094B, 0x0902, 0x0928, 0x0939, 0x0940, 0x0902, 0x092C, 0x094B, 0x0932, 0x0938, 0x0915, 0x0924,
                0x0947, 0x0939, 0x0948, 0x0902,
            ], "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd"),
        .init(
            "G Japanese (kanji and hiragana)",
            [
                0x306A, 0x305C, 0x307F, 0x3093, 0x306A, 0x65E5, 0x672C, 0x8A9E, 0x3092, 0x8A71, 0x3057, 0x3066, 0x304F,
                0x308C, 0x306A, 0x3044, 0x306E, 0x304B,
            ], "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
        .init(
            "H Korean (Hangul syllables)",
            [
                0xC138, 0xACC4, 0xC758, 0xBAA8, 0xB4E0, 0xC0AC, 0xB78C, 0xB4E4, 0xC774, 0xD55C, 0xAD6D, 0xC5B4, 0xB97C,
                0xC774, 0xD574, 0xD55C, 0xB2E4, 0xBA74, 0xC5BC, 0xB9C8, 0xB098, 0xC88B, 0xC744, 0xAE4C,
            ], "989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5jpsd879ccm6fea98c"),
        .init(
            "I Russian (Cyrillic)",
            [
                0x043F, 0x043E, 0x0447, 0x0435, 0x043C, 0x0443, 0x0436, 0x0435, 0x043E, 0x043D, 0x0438, 0x043D, 0x0435,
                0x0433, 0x043E, 0x0432, 0x043E, 0x0440, 0x044F, 0x0442, 0x043F, 0x043E, 0x0440, 0x0443, 0x0441, 0x0441,
                0x043A, 0x0438,
            ], "b1abfaaepdrnnbgefbadotcwatmq2g4l"),
        .init(
            "J Spanish",
            [
                0x0050, 0x006F, 0x0072, 0x0071, 0x0075, 0x00E9, 0x006E, 0x006F, 0x0070, 0x0075, 0x0065, 0x0064, 0x0065,
                0x006E, 0x0073, 0x0069, 0x006D, 0x0070, 0x006C, 0x0065, 0x006D, 0x0065, 0x006E, 0x0074, 0x0065, 0x0068,
                0x0061, 0x0062, 0x006C, 0x0061, 0x0072, 0x0065, 0x006E, 0x0045, 0x0073, 0x0070, 0x0061, 0x00F1, 0x006F,
                0x006C,
            ], "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        .init(
            "K Vietnamese",
            [
                0x0054, 0x1EA1, 0x0069, 0x0073, 0x0061, 0x006F, 0x0068, 0x1ECD, 0x006B, 0x0068, 0x00F4, 0x006E, 0x0067,
                0x0074, 0x0068, 0x1EC3, 0x0063, 0x0068, 0x1EC9, 0x006E, 0x00F3, 0x0069, 0x0074, 0x0069, 0x1EBF, 0x006E,
                0x0067, 0x0056, 0x0069, 0x1EC7, 0x0074,
            ], "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"),
        .init("L", [0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F], "3B-ww4c5e180e575a65lsy2b"),
        .init(
            "M",
            [
                0x5B89, 0x5BA4, 0x5948, 0x7F8E, 0x6075, 0x002D, 0x0077, 0x0069, 0x0074, 0x0068, 0x002D, 0x0053, 0x0055,
                0x0050, 0x0045, 0x0052, 0x002D, 0x004D, 0x004F, 0x004E, 0x004B, 0x0045, 0x0059, 0x0053,
            ], "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        .init(
            "N",
            [
                0x0048, 0x0065, 0x006C, 0x006C, 0x006F, 0x002D, 0x0041, 0x006E, 0x006F, 0x0074, 0x0068, 0x0065, 0x0072,
                0x002D, 0x0057, 0x0061, 0x0079, 0x002D, 0x305D, 0x308C, 0x305E, 0x308C, 0x306E, 0x5834, 0x6240,
            ], "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        .init("O", [0x3072, 0x3068, 0x3064, 0x5C4B, 0x6839, 0x306E, 0x4E0B, 0x0032], "2-u9tlzr9756bt3uc0v"),
        .init(
            "P",
            [
                0x004D, 0x0061, 0x006A, 0x0069, 0x3067, 0x004B, 0x006F, 0x0069, 0x3059, 0x308B, 0x0035, 0x79D2, 0x524D,
            ], "MajiKoi5-783gue6qz075azm5e"),
        .init("Q", [0x30D1, 0x30D5, 0x30A3, 0x30FC, 0x0064, 0x0065, 0x30EB, 0x30F3, 0x30D0], "de-jg4avhby1noc0d"),
        .init("R", [0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067], "d9juau41awczczp"),
        .init(
            "S", [0x002D, 0x003E, 0x0020, 0x0024, 0x0031, 0x002E, 0x0030, 0x0030, 0x0020, 0x003C, 0x002D],
            "-> $1.00 <--"),
    ]

    @Test("RFC 3492 section 7.1 samples", arguments: vectors)
    func rfcSample(_ vector: PunycodeVector) {
        #expect(Punycode.encode(vector.label) == vector.punycode)
    }

    @Test func germanLabels() {
        #expect(Punycode.encode("Bücher") == "Bcher-kva")
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(Punycode.encode("münchen") == "mnchen-3ya")
        #expect(Punycode.encode("") == "")
        #expect(Punycode.encode("abc") == "abc-")
    }

    @Test func toASCIIPerLabel() {
        #expect(Punycode.toASCII(host: "münchen.de") == "xn--mnchen-3ya.de")
        #expect(Punycode.toASCII(host: "Bücher.Example") == "xn--bcher-kva.example")
        #expect(Punycode.toASCII(host: "EXAMPLE.com") == "example.com")
        // NFC first, and the ideographic full stop separates labels.
        #expect(Punycode.toASCII(host: "bu\u{0308}cher.example") == "xn--bcher-kva.example")
        #expect(Punycode.toASCII(host: "例え\u{3002}テスト") == "xn--r8jz45g.xn--zckzah")
        // Full-width letters are folded to ASCII, as browsers do.
        #expect(Punycode.toASCII(host: "ｅｘａｍｐｌｅ．ｃｏｍ") == "example.com")
        // A label longer than the DNS allows.
        #expect(Punycode.toASCII(host: String(repeating: "ü", count: 60) + ".de") == nil)
    }
}

@Suite("EntityExtractor")
struct EntityExtractorTests {
    let extractor = EntityExtractor(defaultRegion: "US")

    private func urls(_ text: String) -> [URLEntity] {
        extractor.extract(text).urls
    }

    // MARK: URLs

    @Test func plainURL() {
        #expect(
            urls("see https://example.com/a?b=1#top now") == [
                URLEntity(
                    text: "https://example.com/a?b=1#top", display: "https://example.com/a?b=1#top", suspicious: false
                )
            ])
        #expect(
            urls("HTTP://Example.COM:8080/Path") == [
                URLEntity(text: "HTTP://Example.COM:8080/Path", display: "http://example.com:8080/Path", suspicious: false)
            ])
    }

    @Test func trailingPunctuationIsNotPartOfTheURL() {
        #expect(urls("Go to https://example.com/x.").map(\.text) == ["https://example.com/x"])
        #expect(urls("(https://example.com), ok?").map(\.text) == ["https://example.com"])
        #expect(urls("\"https://example.com/a?b=c!\"").map(\.text) == ["https://example.com/a?b=c"])
        #expect(urls("[https://example.com/a];").map(\.text) == ["https://example.com/a"])
        #expect(urls("<https://example.com/a>").map(\.text) == ["https://example.com/a"])
        #expect(urls("詳しくはhttps://example.com/a。").map(\.text) == ["https://example.com/a"])
    }

    @Test func balancedParenthesesStay() {
        let wikipedia = "https://en.wikipedia.org/wiki/Bracket_(disambiguation)"
        #expect(urls("See \(wikipedia)").map(\.text) == [wikipedia])
        #expect(urls("(see \(wikipedia)).").map(\.text) == [wikipedia])
        #expect(urls("(see \(wikipedia)).").first?.display == wikipedia)
    }

    /// A start without a host does not hide a URL after it in the same token, up to
    /// `maxHostlessStarts` of them; past that the token is given up (no real text has so many).
    @Test func startsWithoutAHostAreBounded() {
        #expect(urls("http:///https://example.com/a").map(\.text) == ["https://example.com/a"])
        let few = String(repeating: "http:///", count: EntityExtractor.maxHostlessStarts - 1)
        #expect(urls(few + "https://example.com/a").map(\.text) == ["https://example.com/a"])
        let many = String(repeating: "http:///", count: EntityExtractor.maxHostlessStarts)
        #expect(urls(many + "https://example.com/a").isEmpty)
        #expect(urls(many + " https://example.com/a").map(\.text) == ["https://example.com/a"], "the next token is searched")
    }

    @Test func bareWWWGetsHTTP() {
        #expect(
            urls("visit WWW.Example.COM/Path, thanks") == [
                URLEntity(text: "WWW.Example.COM/Path", display: "http://www.example.com/Path", suspicious: false)
            ])
        // Not inside an email address or another name.
        #expect(urls("kate@www.example.com").isEmpty)
        #expect(urls("xwww.example.com").isEmpty)
    }

    @Test func mixedScriptHostIsShownInPunycode() {
        // Cyrillic а (U+0430) among Latin letters.
        #expect(
            urls("Log in at https://p\u{0430}ypal.com/login") == [
                URLEntity(
                    text: "https://p\u{0430}ypal.com/login", display: "https://xn--pypal-4ve.com/login", suspicious: true
                )
            ])
    }

    @Test func wholeScriptConfusableIsShownInPunycode() {
        // аррӏе: all Cyrillic, every letter a Latin look-alike.
        #expect(
            urls("https://\u{0430}\u{0440}\u{0440}\u{04CF}\u{0435}.com") == [
                URLEntity(
                    text: "https://\u{0430}\u{0440}\u{0440}\u{04CF}\u{0435}.com", display: "https://xn--80ak6aa92e.com",
                    suspicious: true
                )
            ])
    }

    @Test func legitimateIDNStaysReadable() {
        #expect(
            urls("https://München.de/karte") == [
                URLEntity(text: "https://München.de/karte", display: "https://münchen.de/karte", suspicious: false)
            ])
        #expect(
            urls("http://пример.рф/") == [
                URLEntity(text: "http://пример.рф/", display: "http://пример.рф/", suspicious: false)
            ])
        #expect(urls("https://日本語.jp").first?.suspicious == false)
    }

    @Test func hostAlreadyInPunycodeIsFlagged() {
        #expect(urls("https://xn--80ak6aa92e.com").first?.suspicious == true)
    }

    @Test func lookAlikeSlashForcesPunycode() {
        // U+2044 FRACTION SLASH makes "bank.com⁄login" look like a path.
        let url = urls("https://bank.com\u{2044}login.evil.example").first
        #expect(url?.display.hasPrefix("https://bank.xn--") == true)
        #expect(url?.suspicious == true)
    }

    @Test("Trojan Source: a bidi override inside the URL is shown as a marker")
    func bidiOverrideInsideURL() {
        #expect(
            urls("invoice https://example.com/\u{202E}fdp.exe") == [
                URLEntity(
                    text: "https://example.com/\u{202E}fdp.exe", display: "https://example.com/<U+202E>fdp.exe",
                    suspicious: true
                )
            ])
    }

    @Test("Trojan Source: isolates anywhere in the message flag every URL")
    func bidiIsolatesInMessage() {
        let entities = extractor.extract("\u{2066}https://a.example\u{2069} and \u{2067}x\u{2069} https://b.example")
        #expect(entities.urls.count == 2)
        #expect(entities.urls.allSatisfy { $0.suspicious })
        #expect(entities.urls.map(\.display) == ["https://a.example<U+2069>", "https://b.example"])
        #expect(!entities.urls.contains { $0.display.unicodeScalars.contains { (0x2066...0x2069).contains($0.value) } })
        #expect(urls("\u{202E}https://example.com").first?.suspicious == true)
    }

    @Test func zeroWidthSpaceInHost() {
        #expect(
            urls("https://pay\u{200B}pal.com/") == [
                URLEntity(text: "https://pay\u{200B}pal.com/", display: "https://pay<U+200B>pal.com/", suspicious: true)
            ])
    }

    @Test func emojiJoinerElsewhereIsNotSuspicious() {
        // Woman + ZWJ + laptop, and the rainbow flag: emoji sequences, not hidden text.
        let text = "\u{1F469}\u{200D}\u{1F4BB} see https://example.com \u{1F3F3}\u{FE0F}\u{200D}\u{1F308}"
        #expect(urls(text).first?.suspicious == false)
        #expect(urls("a\u{200D}b https://example.com").first?.suspicious == true)
    }

    @Test func userinfoDeceptionStaysVisible() {
        #expect(
            urls("https://bank.com@evil.example/login") == [
                URLEntity(
                    text: "https://bank.com@evil.example/login", display: "https://bank.com@evil.example/login",
                    suspicious: true
                )
            ])
        // `\` ends the authority in browsers: this goes to evil.example.
        #expect(urls("https://evil.example\\@bank.com").first?.suspicious == true)
        #expect(
            urls("https://%62ank.com").first
                == URLEntity(
                    text: "https://%62ank.com", display: "https://bank.com", suspicious: true
                ))
    }

    // MARK: Phones

    @Test func phonesInUSFormats() {
        let entities = extractor.extract("call (415) 555-0100 or +44 20 7946 0958, or 415.555.0100 again")
        #expect(entities.phones == ["+14155550100", "+442079460958"])
        #expect(extractor.extract("1-415-555-0100 / 415 555 0100").phones == ["+14155550100"])
    }

    @Test func notPhones() {
        #expect(extractor.extract("your order 123-456 has shipped").phones.isEmpty)
        #expect(extractor.extract("account AB4155550100 or 4155550100X").phones.isEmpty)
        #expect(extractor.extract("on 2024-01-15 10:30 from 192.168.1.100").phones.isEmpty)
        #expect(extractor.extract("total $4155550100").phones.isEmpty)
        #expect(extractor.extract("ref 12345678901234567890").phones.isEmpty)
        #expect(extractor.extract("https://example.com/4155550100").phones.isEmpty)
    }

    @Test func longerNumbersAreNotCutUp() {
        let germany = EntityExtractor(defaultRegion: "DE")
        #expect(germany.extract("Ruf an: 030 1234567, Termin 2024-01-15").phones == ["+49301234567"])
        #expect(germany.extract("Karte 4111 1111 1111 1111").phones.isEmpty)
        #expect(germany.extract("IBAN DE89 3704 0044 0532 0130 00").phones.isEmpty)
        #expect(germany.extract("Konto 3704 0044 0532 0130 00").phones.isEmpty)
        #expect(germany.extract("am 15.01.2024 um 10:30").phones.isEmpty)
    }

    @Test func numbersSeparatedOnlyByASpace() {
        #expect(extractor.extract("415-555-0100 212-555-0199").phones == ["+14155550100", "+12125550199"])
        #expect(extractor.extract("415-555-0100 +1 212 555 0199").phones == ["+14155550100", "+12125550199"])
        // Space-separated groups are not regrouped into numbers.
        #expect(extractor.extract("415-555-0100 212 555 0199").phones.isEmpty)
        #expect(extractor.extract("Room 12 415 555 0100").phones.isEmpty)
    }

    @Test func unknownRegionStillReadsInternationalNumbers() {
        let unknown = EntityExtractor(defaultRegion: "ZZ")
        #expect(unknown.extract("+44 20 7946 0958 or 020 7946 0958").phones == ["+442079460958"])
    }

    // MARK: Emails

    @Test func emails() {
        let entities = extractor.extract(
            "Write to Kate.Lewis@Example.COM, or (kate.lewis@example.com). Kate.Lewis@example.com"
        )
        #expect(entities.emails == ["Kate.Lewis@example.com", "kate.lewis@example.com"])
        #expect(entities.phones.isEmpty)
        #expect(extractor.extract("a@b, x@y.z, @example.com, kate@example.c0m").emails.isEmpty)
    }

    @Test func emailLookingPartOfURLIsNotAnEmail() {
        let entities = extractor.extract("https://bank.com@evil.example and https://x.example/?to=kate@example.com")
        #expect(entities.emails.isEmpty)
        #expect(entities.urls.count == 2)
    }

    // MARK: Whole messages

    @Test func emptyText() {
        #expect(extractor.extract("") == .empty)
        #expect(extractor.extract("Thanks, see you tomorrow!") == .empty)
    }

    @Test func jsonShape() throws {
        let entities = TranscriptEntities(
            urls: [URLEntity(text: "a.example", display: "http://a.example", suspicious: false)],
            phones: ["+14155550100"], emails: ["k@a.example"]
        )
        let json = try JSONEncoder().encode(entities)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["urls", "phones", "emails"])
        #expect(try JSONDecoder().decode(TranscriptEntities.self, from: json) == entities)
    }

    @Test("Hostile and long input does not trap and stays fast")
    func hostileInput() {
        let pieces = [
            "https://", "www.", "(", ")", "@", "+1", "415", "-", " ", ".", "\u{202E}", "\u{200B}", "e\u{0301}",
            "\u{0627}\u{0644}", "ü", "\u{1F469}\u{200D}\u{1F4BB}", "%", "[", "]", ":", "a", "Z", "\u{0430}",
        ]
        var generator = SplitMix64(seed: 42)
        for _ in 0..<50 {
            var text = ""
            while text.unicodeScalars.count < 2_000 {
                text += pieces[Int(generator.next() % UInt64(pieces.count))]
            }
            _ = extractor.extract(text)
        }
        let long = [
            String(repeating: "https://", count: 1_250),
            String(repeating: "www.", count: 2_500),
            String(repeating: "(", count: 5_000) + "https://a.example" + String(repeating: ")", count: 5_000),
            String(repeating: "a@", count: 5_000),
            String(repeating: "1 ", count: 5_000),
            String(repeating: "415-555-0100 ", count: 800),
            "https://" + String(repeating: "\u{0430}", count: 10_000),
            String(repeating: "e\u{0301}", count: 5_000),
            // Thousands of starts without a host in one token, each of which used to walk
            // back over the token's end: a preview of this size took seconds.
            String(repeating: "http:///", count: 8_000) + ")",
            String(repeating: "http://-/", count: 4_000) + String(repeating: ".", count: 30_000),
        ]
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for text in long { _ = extractor.extract(text) }
        }
        #expect(elapsed < .seconds(5))
    }
}
