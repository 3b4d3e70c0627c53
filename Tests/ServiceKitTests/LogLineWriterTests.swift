import Foundation
import Testing

@testable import SwitchboardServiceKit

@Suite("Log lines written from a thread of their own")
struct LogLineWriterTests {
    private func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #expect(Foundation.pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    private static func readAll(_ descriptor: Int32) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func everyLineArrivesWholeAndInOrder() throws {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd) }
        let writer = LogLineWriter(descriptor: writeEnd, capacity: 1_000)
        for index in 0..<500 { writer.enqueue(Array("line \(index)\n".utf8)) }
        #expect(writer.flush(timeout: .seconds(5)))
        close(writeEnd)
        let lines = Self.readAll(readEnd).split(separator: "\n").map(String.init)
        #expect(lines == (0..<500).map { "line \($0)" })
    }

    /// The writer's thread shows as `log-writer` to the system (`top -H`, thread dumps).
    @Test func theWritersThreadIsNamedForIt() throws {
        let (readEnd, writeEnd) = try pipe()
        defer {
            close(writeEnd)
            close(readEnd)
        }
        let writer = LogLineWriter(descriptor: writeEnd, capacity: 10)
        writer.enqueue(Array("named\n".utf8))
        #expect(writer.flush(timeout: .seconds(5)))
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.contains("log-writer"), "threads: \(names)")
    }

    /// A reader that stops reading never blocks the caller: once the queue is full, lines
    /// are dropped and counted, and a warning says how many when the reader comes back.
    @Test func aStalledReaderCostsLinesNotTheCaller() async throws {
        let (readEnd, writeEnd) = try pipe()
        defer { close(readEnd) }
        let writer = LogLineWriter(descriptor: writeEnd, capacity: 10)
        writer.name(service: "test")
        let padding = String(repeating: "x", count: 16_000)
        let started = ContinuousClock.now
        // Far more than the pipe (64 KiB) and the queue (10 lines of 16 kB) hold, with nobody reading.
        for index in 0..<200 { writer.enqueue(Array("line \(index) \(padding)\n".utf8)) }
        #expect(ContinuousClock.now - started < .seconds(2), "enqueue never waits for the reader")
        #expect(!writer.flush(timeout: .milliseconds(200)), "nothing can drain while nobody reads")
        let reader = Task.detached { Self.readAll(readEnd) }
        #expect(writer.flush(timeout: .seconds(5)))
        close(writeEnd)
        let text = await reader.value
        let written = text.split(separator: "\n").map(String.init)
        #expect(written.count < 200)
        // The writer takes the queue in batches, so lines dropped while an earlier batch
        // (and its notice) waited on the pipe are reported by a later notice: sum them all.
        let notices = written.filter { $0.contains("\"msg\":\"log lines dropped: the log reader did not keep up\"") }
        let lines = written.filter { !$0.contains("\"msg\":\"log lines dropped") }
        // Where the notice falls among the lines depends on when the writer thread first ran
        // (it may take a batch and its notice while lines are still being enqueued), so only
        // that there is one, and that the lines kept their order, are certain.
        #expect(!notices.isEmpty, "the drops are reported")
        let indices = lines.compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        #expect(indices.count == lines.count)
        #expect(indices == indices.sorted(), "the lines written kept their order")
        #expect(notices.allSatisfy { $0.contains("\"service\":\"test\"") })
        let dropped = notices.compactMap { notice in
            notice.components(separatedBy: "\"dropped\":\"").last.flatMap { Int(String($0.prefix { $0.isNumber })) }
        }
        #expect(dropped.count == notices.count)
        #expect(lines.count + dropped.reduce(0, +) == 200, "every line is either written or counted as dropped")
    }
}
