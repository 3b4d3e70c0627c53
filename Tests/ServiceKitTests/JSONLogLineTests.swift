import Foundation
import Logging
import SwitchboardServiceKit
import Testing

@Suite("JSON log lines")
struct JSONLogLineTests {
    func text(_ fields: [String: Logger.MetadataValue]) -> String {
        String(decoding: JSONLogLine.render(fields), as: UTF8.self)
    }

    @Test func keysAreSortedAndTheLineEndsWithANewline() {
        #expect(text(["msg": "hi", "level": "info", "a_id": "1"]) == #"{"a_id":"1","level":"info","msg":"hi"}"# + "\n")
    }

    @Test func stringsAreEscapedAsJSONRequires() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} slash / é 📱"
        let line = JSONLogLine.render(["msg": .string(tricky)])
        #expect(line.last == 0x0A)
        #expect(!line.dropLast().contains(0x0A), "one line")
        let decoded = try JSONSerialization.jsonObject(with: Data(line)) as? [String: String]
        #expect(decoded?["msg"] == tricky)
        #expect(text(["msg": "a/b"]).contains("a/b"), "slashes are not escaped")
    }

    @Test func arraysAndDictionariesNest() throws {
        let line = JSONLogLine.render(["ids": .array(["1", "2"]), "more": .dictionary(["b": "2", "a": .stringConvertible(3)])])
        #expect(String(decoding: line, as: UTF8.self) == #"{"ids":["1","2"],"more":{"a":"3","b":"2"}}"# + "\n")
    }

    @Test func timestampsAreRFC3339UTCWithMilliseconds() {
        #expect(JSONLogLine.timestamp(Date(timeIntervalSince1970: 1_795_445_061.967_4)) == "2026-11-23T14:44:21.967Z")
        #expect(JSONLogLine.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(JSONLogLine.timestamp(Date(timeIntervalSince1970: 951_782_400.005)) == "2000-02-29T00:00:00.005Z")
        #expect(JSONLogLine.timestamp(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
    }
}
