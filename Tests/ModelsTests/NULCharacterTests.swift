import Foundation
import SwitchboardModels
import Testing

@Suite("NUL characters in input")
struct NULCharacterTests {
    @Test func findsNULInText() {
        #expect(NULCharacter.isIn("a\u{0}b"))
        #expect(!NULCharacter.isIn("plain text, é and 😀"))
    }

    @Test(arguments: ["%00", "q=%00", "a=1&b=x%00y", "%2500%00", "%%00"])
    func findsEncodedNUL(component: String) {
        #expect(NULCharacter.isEncoded(in: component))
    }

    @Test(arguments: ["", "q=%2B1415", "%0", "%0A%20", "%2500", "100%", "a=00"])
    func leavesOtherEncodingsAlone(component: String) {
        #expect(!NULCharacter.isEncoded(in: component))
    }

    @Test func namesTheJSONFieldHoldingNUL() {
        #expect(NULCharacter.fieldPath(inJSON: Data(#"{"text":"hi\u0000"}"#.utf8)) == "text")
        #expect(NULCharacter.fieldPath(inJSON: Data(#"{"a":"ok","media":[{"url":"x"},{"filename":"\u0000"}]}"#.utf8)) == "media[1].filename")
        #expect(NULCharacter.fieldPath(inJSON: Data(#"{"case_data":{"k\u0000":"v"}}"#.utf8)) == "a key of case_data")
        #expect(NULCharacter.fieldPath(inJSON: Data(#""\u0000""#.utf8)) == "body")
    }

    @Test func leavesBodiesWithoutNULAlone() {
        #expect(NULCharacter.fieldPath(inJSON: Data(#"{"text":"hi"}"#.utf8)) == nil)
        // An escaped backslash followed by "u0000" is six characters of text, not a NUL.
        #expect(NULCharacter.fieldPath(inJSON: Data(#"{"text":"\\u0000"}"#.utf8)) == nil)
        #expect(NULCharacter.fieldPath(inJSON: Data("not json \\u0000".utf8)) == nil)
    }
}
