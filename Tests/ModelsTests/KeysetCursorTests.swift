import Foundation
import SwitchboardModels
import Testing

@Suite("Keyset cursor")
struct KeysetCursorTests {
    @Test func roundTrips() {
        let cursor = KeysetCursor(microseconds: 1_795_699_394_123_456, id: UUID())
        #expect(KeysetCursor(encoded: cursor.encoded) == cursor)
    }

    @Test func isURLSafe() {
        let cursor = KeysetCursor(microseconds: 1_795_699_394_123_456, id: UUID())
        #expect(!cursor.encoded.contains { "+/=".contains($0) })
    }

    @Test func keepsMicroseconds() throws {
        let date = Date(timeIntervalSince1970: 1_795_699_394.123456)
        let cursor = KeysetCursor(at: date, id: UUID())
        #expect(cursor.microseconds == 1_795_699_394_123_456)
        #expect(abs(cursor.date.timeIntervalSince(date)) < 0.000_001)
    }

    /// Cursors written before the one shared type (upper-case UUIDs) still parse.
    @Test func readsAnUpperCaseIdentifier() throws {
        let id = UUID()
        let old = Data("42|\(id.uuidString)".utf8).base64EncodedString()
        #expect(KeysetCursor(encoded: old) == KeysetCursor(microseconds: 42, id: id))
    }

    @Test(arguments: ["", "!!!", "bm90IGEgY3Vyc29y", "not a cursor"])
    func foreignCursorIsRejected(text: String) {
        #expect(KeysetCursor(encoded: text) == nil)
    }
}
