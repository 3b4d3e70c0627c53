import Foundation
import Testing

@testable import Transfer

/// A member's JSON text found as written (``JSONRawText``): what the desk stream passes on.
@Suite("Transfer: a JSON member's text as written")
struct JSONRawTextTests {
    static func value(_ path: [String], _ document: String) -> String? {
        JSONRawText.value(at: path, in: Array(document.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aNestedMemberAsWritten() {
        let document = #" { "id" : "e1", "data" : { "n": 1, "entry" : {"text":"Hi","at":"2026"} , "z":null } } "#
        #expect(Self.value(["data", "entry"], document) == #"{"text":"Hi","at":"2026"}"#)
        #expect(Self.value(["data", "n"], document) == "1")
        #expect(Self.value(["data", "z"], document) == "null")
        #expect(Self.value(["id"], document) == #""e1""#)
        #expect(Self.value([], document) == String(document.dropFirst().dropLast()))
    }

    /// Quotes, braces and brackets inside strings do not end a value.
    @Test func stringsMayHoldDelimiters() {
        let document = #"{"data":{"a":"x\"}]{[\\","entry":{"text":"} \" {","list":[1,{"b":"]"}]},"after":true}}"#
        #expect(Self.value(["data", "entry"], document) == #"{"text":"} \" {","list":[1,{"b":"]"}]}"#)
        #expect(Self.value(["data", "after"], document) == "true")
        #expect(Self.value(["data", "a"], document) == #""x\"}]{[\\""#)
    }

    @Test func aNameWrittenWithEscapesIsFound() {
        #expect(Self.value(["data", "entry"], #"{"\u0064ata":{"ent\u0072y":{"k":1}}}"#) == #"{"k":1}"#)
        #expect(Self.value(["é"], #"{"\u00e9":2}"#) == "2")
        #expect(Self.value(["😀"], #"{"\ud83d\ude00":3}"#) == "3")
        #expect(Self.value(["a\nb"], #"{"a\nb":4}"#) == "4")
        #expect(Self.value(["x"], #"{"\ud83dx":5}"#) == nil)
    }

    /// The last of two members of one name, as the parser keeps it.
    @Test func theLastOfTwoMembersOfOneName() throws {
        let document = #"{"data":{"v":1},"data":{"v":2}}"#
        #expect(Self.value(["data"], document) == #"{"v":2}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        #expect((parsed["data"] as? [String: Any])?["v"] as? Int == 2)
    }

    /// What JSON does not allow is not passed on, even where Foundation's parser accepts it
    /// (a trailing comma): PostgreSQL's `jsonb` would refuse it.
    @Test(arguments: [
        #"{"data":{"entry":{"a":[1,]}}}"#, #"{"data":{"entry":{"a":1,}}}"#, #"{"data":{"entry":{"a":tru}}}"#,
        #"{"data":{"entry":{"a":01}}}"#, #"{"data":{"entry":{"a":1.}}}"#, #"{"data":{"entry":{"a":-}}}"#,
        #"{"data":{"entry":{"a":1e}}}"#, #"{"data":{"entry":{"a":nullx}}}"#, #"{"data":{"entry":{"a" 1}}}"#,
        #"{"data":{"entry":{"a":[1 2]}}}"#, #"{"data":{"entry":{1:2}}}"#,
    ])
    func whatJSONDoesNotAllowIsNil(document: String) {
        #expect(Self.value(["data", "entry"], document) == nil)
    }

    @Test func numbersAndWordsAsJSONWritesThem() {
        let document = #"{"data":{"entry":{"a":[0,-0,1.5,-12.25e+3,4E-2,true,false,null]}}}"#
        #expect(Self.value(["data", "entry"], document) == #"{"a":[0,-0,1.5,-12.25e+3,4E-2,true,false,null]}"#)
    }

    /// Where the parser accepts a trailing comma, the entry is written again, without it.
    @Test func aTrailingCommaIsWrittenAgainWithoutIt() throws {
        let body = Data(#"{"data":{"entry":{"a":[1,],},}}"#.utf8)
        // Foundation's parser on Linux accepts trailing commas (should one refuse them,
        // the event is not passed on at all, and this test is to be changed).
        let fields = try #require(EventDataFields(cloudEvent: body))
        #expect(fields.objectText("entry") == #"{"a":[1]}"#)
    }

    @Test func aByteOrderMarkIsSkipped() {
        #expect(
            JSONRawText.value(at: ["data"], in: [0xEF, 0xBB, 0xBF] + Array(#"{"data":{"v":1}}"#.utf8)).map(Array.init) == Array(#"{"v":1}"#.utf8))
    }

    @Test func nestingDeeperThan512IsNil() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(Self.value(["data"], #"{"data":\#(deep)}"#) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(Self.value(["data"], #"{"data":\#(fine)}"#) == fine)
    }

    @Test func whatIsNotThereIsNil() {
        #expect(Self.value(["data", "entry"], #"{"data":{}}"#) == nil)
        #expect(Self.value(["data", "entry"], #"{"data":"entry"}"#) == nil)
        #expect(Self.value(["data", "entry"], #"{"data":["entry"]}"#) == nil)
        #expect(Self.value(["data"], "[1]") == nil)
        #expect(Self.value(["data"], "") == nil)
    }

    /// A document cut short (never the case after parsing, but never a crash either).
    @Test func aDocumentCutShortIsNil() {
        let document = #"{"data":{"entry":{"text":"Hi \"there\"","n":[1,2,{"x":"y"}]}}}"#
        for end in 0..<document.utf8.count {
            let cut = String(decoding: Array(document.utf8)[..<end], as: UTF8.self)
            #expect(Self.value(["data", "entry"], cut) == nil, "cut at \(end)")
        }
        #expect(Self.value(["data", "entry"], document) == #"{"text":"Hi \"there\"","n":[1,2,{"x":"y"}]}"#)
    }

    /// What it finds is what a JSON parser finds there.
    @Test(arguments: [
        #"{"data":{"entry":{"text":"Ünïcödé ✓ 😀","media":[{"url":"https://x/y?a=1&b=2"}],"n":-1.5e3}}}"#,
        #"{"specversion":"1.0","data":{"interaction_id":"i","entry":{"seq":3,"kind":"message","text":"a\/b\tc"},"kind":"message"}}"#,
        "{\n\t\"data\" :\r\n {\"entry\":{\"deep\":{\"deeper\":[[[]],{}]}}}}",
    ])
    func agreesWithAParser(document: String) throws {
        let raw = try #require(Self.value(["data", "entry"], document))
        let parsed = try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? NSDictionary
        let whole = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let expected = (whole["data"] as? [String: Any])?["entry"] as? NSDictionary
        #expect(parsed == expected)
    }
}
