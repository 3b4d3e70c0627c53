import Foundation
import SwitchboardServiceKit
import Testing

@testable import Session

/// ``SpellChecker`` against the real en_US dictionary of Debian's `hunspell-en-us`
/// (installed by `scripts/lib/infra.sh`'s `sb_install_deps`), and its configuration.
@Suite("Spell checker (Hunspell en_US)")
struct SpellCheckerTests {
    let tokenizer = SpellingTokenizer(extractor: EntityExtractor(defaultRegion: "US"))

    func checker(_ environment: [String: String] = [:]) async throws -> SpellChecker {
        try await SpellChecker.load(SpellCheckSettings(environment: EnvironmentVariables(environment)), tokenizer: tokenizer)
    }

    @Test func flagsMisspelledWordsWithTheirPlaces() async throws {
        let spelling = try await checker()
        let found = await spelling.misspelled(in: "Helo, I recieved my parcel")
        #expect(found.map(\.word) == ["Helo", "recieved"])
        #expect(found.map(\.offset) == [0, 8])
        #expect(found.map(\.length) == [4, 8])
        #expect(found[1].suggestions.contains("received"), "\(found[1].suggestions)")
        #expect(found.allSatisfy { $0.suggestions.count <= SpellChecker.maxSuggestions })
    }

    @Test func correctTextIsNotFlagged() async throws {
        let spelling = try await checker()
        #expect(await spelling.misspelled(in: "Hello").isEmpty)
        #expect(await spelling.misspelled(in: "HELLO, I don’t know. It's well-known!").isEmpty)
        #expect(await spelling.misspelled(in: "").isEmpty)
    }

    @Test func urlsEmailsAndPhonesAreNotFlagged() async throws {
        let spelling = try await checker()
        let text = "See https://exmaple.com/trakcing?id=xq or mail kaet@exmaple.com or call +1 415 555 0134"
        #expect(await spelling.misspelled(in: text).isEmpty)
    }

    @Test func offsetsAreUTF16Units() async throws {
        let spelling = try await checker()
        let found = await spelling.misspelled(in: "👋 Thanks, recieved")
        #expect(found == [Misspelling(word: "recieved", offset: 11, length: 8, suggestions: found.first?.suggestions ?? [])])
    }

    @Test func suggestionsOnlyForTheFirstTenDifferentWords() async throws {
        let spelling = try await checker()
        let words = ["recieved", "adress", "untill", "wich", "beleive", "tommorow", "seperate", "occured", "definately", "goverment", "neccessary"]
        let found = await spelling.misspelled(in: (words + ["recieved"]).joined(separator: " "))
        #expect(found.map(\.word) == words + ["recieved"])
        #expect(found.prefix(10).allSatisfy { !$0.suggestions.isEmpty })
        #expect(found[10].suggestions.isEmpty)
        #expect(found[11].suggestions == found[0].suggestions, "a repeated word keeps its suggestions")
    }

    /// A text that needs UCS-2 (`ê`, `à` are not GSM-7) in another configured language is
    /// checked with that language's dictionary (Debian's `hunspell-fr-classical`, installed
    /// by `sb_install_deps`): a word is misspelled only if no configured dictionary knows it.
    @Test func aSecondLanguageIsCheckedWithItsOwnDictionary() async throws {
        let text = "Je vais être là demain, merci beaucop"
        let both = try await checker(["SWITCHBOARD_SPELLCHECK_LANGUAGES": "en_US,fr_FR"])
        let found = await both.misspelled(in: text)
        #expect(found.map(\.word) == ["beaucop"])
        #expect(found.first?.offset == 30 && found.first?.length == 7)
        #expect(found.first?.suggestions.contains("beaucoup") == true, "\(found.first?.suggestions ?? [])")
        // English alone knows none of the French words.
        let english = try await checker().misspelled(in: text).map(\.word)
        #expect(english.contains("être") && english.contains("beaucop"), "\(english)")
    }

    @Test func emptyLanguagesTurnSpellCheckingOff() async throws {
        let spelling = try await checker(["SWITCHBOARD_SPELLCHECK_LANGUAGES": ""])
        #expect(!spelling.isEnabled)
        #expect(await spelling.misspelled(in: "Helo recieved").isEmpty)
    }

    @Test func languagesAreParsed() throws {
        let settings = try SpellCheckSettings(
            environment: EnvironmentVariables(["SWITCHBOARD_SPELLCHECK_LANGUAGES": " en_US, fr_FR,,en_US "]))
        #expect(settings.languages == ["en_US", "fr_FR"])
        #expect(settings.dictionaryPath == "/usr/share/hunspell")
        #expect(try SpellCheckSettings(environment: EnvironmentVariables([:])).languages == ["en_US"])
    }

    @Test(arguments: [
        ["SWITCHBOARD_SPELLCHECK_LANGUAGES": "xx_XX"],
        ["SWITCHBOARD_SPELLCHECK_LANGUAGES": "en_US,xx_XX"],
        ["SWITCHBOARD_SPELLCHECK_LANGUAGES": "../hunspell/en_US"],
        ["SWITCHBOARD_SPELLCHECK_DICTIONARY_PATH": "/nonexistent"],
    ])
    func aMissingOrInvalidDictionaryStopsTheService(environment: [String: String]) async throws {
        do {
            _ = try await checker(environment)
            Issue.record("loaded with \(environment)")
        } catch {
            #expect("\(error)".contains("SWITCHBOARD_SPELLCHECK_LANGUAGES"), "\(error)")
        }
    }
}
