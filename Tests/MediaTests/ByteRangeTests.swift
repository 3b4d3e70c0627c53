import Testing

@testable import Media

/// Issue #7: single ranges → 206; unsatisfiable → 416; anything else → the whole (200).
@Suite struct ByteRangeTests {
    @Test func singleRanges() {
        #expect(ByteRange.evaluate("bytes=0-9", length: 100) == .partial(0...9))
        #expect(ByteRange.evaluate("bytes=10-", length: 100) == .partial(10...99))
        #expect(ByteRange.evaluate("bytes=-10", length: 100) == .partial(90...99))
        #expect(ByteRange.evaluate("bytes=-1000", length: 100) == .partial(0...99))
        #expect(ByteRange.evaluate("bytes=90-1000", length: 100) == .partial(90...99))
        #expect(ByteRange.evaluate("Bytes= 5-5", length: 100) == .partial(5...5))
        #expect(ByteRange.evaluate("bytes=99-99999999999999999999999", length: 100) == .partial(99...99))
    }

    @Test func unsatisfiable() {
        #expect(ByteRange.evaluate("bytes=100-", length: 100) == .unsatisfiable)
        #expect(ByteRange.evaluate("bytes=100-200", length: 100) == .unsatisfiable)
        #expect(ByteRange.evaluate("bytes=-0", length: 100) == .unsatisfiable)
        #expect(ByteRange.evaluate("bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRange.evaluate("bytes=99999999999999999999999-", length: 100) == .unsatisfiable)
    }

    @Test func ignoredHeadersServeEverything() {
        #expect(ByteRange.evaluate(nil, length: 100) == .whole)
        #expect(ByteRange.evaluate("items=0-1", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=0-1,5-6", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=9-3", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=a-b", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=-", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=", length: 100) == .whole)
        #expect(ByteRange.evaluate("bytes=+1-2", length: 100) == .whole)
    }

    @Test func contentRangeHeader() {
        #expect(ByteRange.contentRange(0...9, length: 100) == "bytes 0-9/100")
    }
}
