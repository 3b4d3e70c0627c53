import Foundation
import Testing

@testable import SwitchboardModels

@Suite("RFC 3339 times")
struct RFC3339Tests {
    private let foundationWriter = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    @Test func writesUTCWithMilliseconds() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_445_061.967_4)) == "2026-11-23T14:44:21.967Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 951_782_400.005)) == "2000-02-29T00:00:00.005Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
    }

    @Test func writesWhatFoundationWritesButWithoutItsRoundingSlip() {
        var generator = SystemRandomNumberGenerator()
        // Whole milliseconds (as most stored times are) over the fast path's years and its edges,
        // and a few outside it (Foundation's own output there).
        var samples: [Int64] = [
            0, -1, 951_782_400_000, 4_107_542_400_000, -2_208_988_800_000, 7_258_118_399_999, 7_258_118_400_000, -30_000_000_000_000,
        ]
        for _ in 0..<5_000 {
            samples.append(Int64.random(in: -2_208_988_800_000..<7_258_118_400_000, using: &generator))
        }
        for milliseconds in samples {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let ours = RFC3339.string(from: date)
            let foundations = date.formatted(foundationWriter)
            // Foundation truncates the Double (x.692 is x.69199…), so it sometimes writes one
            // millisecond less; otherwise the two are identical.
            let oneLess = RFC3339.string(from: Date(timeIntervalSince1970: Double(milliseconds - 1) / 1000))
            #expect(ours == foundations || foundations == oneLess, "\(milliseconds)")
        }
    }

    @Test func writesTheMillisecondOfTheNearestMicrosecond() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_445_061.692)) == "2026-11-23T14:44:21.692Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_445_061.999_999_9)) == "2026-11-23T14:44:22.000Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_445_061.999_4)) == "2026-11-23T14:44:21.999Z")
    }

    @Test func readsWhatItWritesBackToTheMillisecond() {
        var generator = SystemRandomNumberGenerator()
        // 1900...2199: where a Double still holds microseconds (far later, its step is
        // larger than a microsecond and a millisecond can slip).
        for _ in 0..<5_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000..<7_258_118_400_000, using: &generator)
            let text = RFC3339.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            let read = RFC3339.date(from: text)
            #expect(read.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == milliseconds, "\(text)")
        }
    }

    @Test(arguments: [
        "2026-11-23T14:44:21.967Z", "2026-11-23T14:44:21Z", "2026-11-23T14:44:21.5Z", "2026-11-23T14:44:21.123456Z",
        "2026-11-23T14:44:21.967+01:00", "2026-11-23T14:44:21-05:30", "2024-02-29T23:59:59.999Z", "1969-12-31T23:59:59.250Z",
        "2026-01-01T00:00:00+14:00", "1900-01-01T00:00:00Z", "2199-12-31T23:59:59.999Z",
    ])
    func readsTheUsualShapesAsFoundationDoes(text: String) throws {
        let fast = try #require(RFC3339.fastDate(from: text))
        let foundation =
            try (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? Date.ISO8601FormatStyle().parse(text)
        #expect(abs(fast.timeIntervalSince1970 - foundation.timeIntervalSince1970) < 0.000_001, "\(text)")
    }

    @Test(arguments: [
        "", "2026-11-23", "2026-11-23T14:44", "2026-11-23T14:44:21", "2026-11-23 14:44:21Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T14:60:00Z", "2026-11-23T14:44:21.Z",
        "2026-11-23T14:44:21+0100", "2026-11-23T14:44:21Zjunk", "2026-11-23t14:44:21z", "+2026-11-23T14:44:21Z",
        "0001-01-01T00:00:00Z", "2200-01-01T00:00:00Z",
    ])
    func leavesEverythingElseToFoundation(text: String) {
        #expect(RFC3339.fastDate(from: text) == nil)
        // What Foundation decides for these is unchanged: the public reader still asks it.
        let foundation =
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
        #expect(RFC3339.date(from: text) == foundation)
    }
}
