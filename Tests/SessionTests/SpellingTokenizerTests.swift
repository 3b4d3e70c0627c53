import Foundation
import Testing

@testable import Session

/// Which words the SMS preview's spell check looks up, and where they are (UTF-16 units).
@Suite("Spelling tokenizer")
struct SpellingTokenizerTests {
    let tokenizer = SpellingTokenizer(extractor: EntityExtractor(defaultRegion: "US"))

    func texts(_ text: String) -> [String] { tokenizer.words(in: text).map(\.text) }

    @Test func wordsWithTheirUTF16Places() {
        #expect(
            tokenizer.words(in: "Helo, I recieved my parcel")
                == [
                    .init(text: "Helo", offset: 0, length: 4), .init(text: "recieved", offset: 8, length: 8),
                    .init(text: "my", offset: 17, length: 2), .init(text: "parcel", offset: 20, length: 6),
                ])
        // An emoji is two UTF-16 units, `é` (precomposed) one, `é` (e + combining accent) two.
        #expect(tokenizer.words(in: "🙂 café") == [.init(text: "café", offset: 3, length: 4)])
        #expect(tokenizer.words(in: "cafe\u{301} ok") == [.init(text: "cafe\u{301}", offset: 0, length: 5), .init(text: "ok", offset: 6, length: 2)])
        #expect(tokenizer.words(in: "").isEmpty)
        #expect(tokenizer.words(in: " ,.!? ").isEmpty)
    }

    @Test func innerApostrophesAndHyphensJoinOuterOnesDoNot() {
        #expect(texts("I don't know, it’s well-known") == ["don't", "know", "it’s", "well-known"])
        #expect(texts("'quoted' -dash- parcels'") == ["quoted", "dash", "parcels"])
        #expect(texts("a--b") == ["a", "b"])
    }

    @Test func otherScriptsAreWords() {
        #expect(texts("Привет, мир") == ["Привет", "мир"])
        #expect(texts("Grüße aus Köln") == ["Grüße", "aus", "Köln"])
    }

    @Test func urlsEmailsPhonesAndNumbersAreSkipped() {
        #expect(texts("see https://exmaple.com/wrnog/pth?q=tpyo now") == ["see", "now"])
        #expect(texts("go to www.exmaple.org today") == ["go", "to", "today"])
        #expect(texts("mail kaet.lewsi@exmaple.com please") == ["mail", "please"])
        #expect(texts("call (415) 555-0134 or +44 20 7946 0958") == ["call", "or"])
        #expect(texts("order 12345 on 2024-01-15 at 10:30") == ["order", "on", "at"])
    }

    @Test func wordsWithDigitsAreSkipped() {
        #expect(texts("the 2nd at 5pm, size A4, ref AB12CD") == ["the", "at", "size", "ref"])
    }

    @Test func gluedWordsAreSkipped() {
        #expect(texts("#sael @kaet and/or file_nmae $dollar tpyo.com e.g. fine") == ["fine"])
        #expect(texts("Done.Next one") == ["one"])
        #expect(texts("Done. Next... one") == ["Done", "Next", "one"])
    }

    @Test func shortAllCapsAndCamelCaseAreSkipped() {
        #expect(texts("Reply STOP or HELP, ETA ASAP UNSUB") == ["Reply", "or"])
        #expect(texts("URGENT notice") == ["URGENT", "notice"])
        #expect(texts("on your iPhone or WhatsApp") == ["on", "your", "or"])
        #expect(texts("Hello I am here") == ["Hello", "am", "here"])
    }

    @Test func overlongRunsAreSkipped() {
        let long = String(repeating: "a", count: SpellingTokenizer.maxWordLength + 1)
        #expect(texts("\(long) short") == ["short"])
        #expect(texts(String(repeating: "a", count: SpellingTokenizer.maxWordLength)).count == 1)
    }
}
