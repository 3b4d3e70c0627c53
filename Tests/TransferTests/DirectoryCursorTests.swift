import Foundation
import Testing

@testable import Transfer

/// The cursor of the supervisor lists: opaque to clients, exact for the store, and never a
/// way to smuggle something that is not a directory id into a query.
@Suite("Directory cursor")
struct DirectoryCursorTests {
    @Test(arguments: ["kate", "sales.west_2", "a", "agent@example.org", String(repeating: "z", count: 64)])
    func roundTrips(id: String) throws {
        let encoded = DirectoryCursor(after: id).encoded
        #expect(encoded.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "URL-safe: \(encoded)")
        #expect(DirectoryCursor(encoded: encoded) == DirectoryCursor(after: id))
    }

    /// Not base64, not UTF-8, or decoding to something that is not a directory id.
    @Test(arguments: ["", "***", "%%", "/w", DirectoryCursor(after: "kate").encoded + "x"])
    func refusesWhatIsNotOneOfOurs(encoded: String) {
        #expect(DirectoryCursor(encoded: encoded) == nil)
    }

    @Test func refusesAnEncodedIdThatIsNotADirectoryId() {
        for id in ["sales west", "kate'--", String(repeating: "z", count: 65), "k\u{0}"] {
            let encoded = Data(id.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            #expect(DirectoryCursor(encoded: encoded) == nil, "\(id)")
        }
    }
}
