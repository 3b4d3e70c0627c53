import Foundation
import Logging
import SwitchboardAMQP

/// Writes finished log lines to a file descriptor (stdout) from a thread of its own.
///
/// `write(2)` to stdout blocks when whatever reads it (a terminal, a log shipper, a pipe)
/// stalls; done by the logging task itself, that would park a thread of Swift's cooperative
/// pool. Callers only append to a bounded queue under a short lock and never wait for I/O.
/// When the queue is full (the reader has stalled for that long) new lines are dropped and
/// counted, and a warning line says how many once the writer catches up: a stalled log
/// reader must not stall the service. ``flush(timeout:)`` waits for what is queued, before
/// the process exits.
final class LogLineWriter: @unchecked Sendable {
    /// The process's stdout.
    static let standardOutput = LogLineWriter(descriptor: STDOUT_FILENO, capacity: 10_000)

    private let descriptor: Int32
    private let capacity: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [[UInt8]] = []
    private var dropped = 0
    private var writing = false
    private var started = false
    /// Named in the drop warning's `service` field when set.
    private var service: String?

    init(descriptor: Int32, capacity: Int) {
        self.descriptor = descriptor
        self.capacity = max(1, capacity)
    }

    /// The service the drop warning names (set once at start-up).
    func name(service: String) {
        condition.lock()
        self.service = service
        condition.unlock()
    }

    /// Queues one line (with its newline); drops it when the queue is full.
    func enqueue(_ line: [UInt8]) {
        condition.lock()
        if !started {
            started = true
            let thread = Thread { [self] in
                CurrentThread.setSystemName("log-writer")
                run()
            }
            thread.start()
        }
        if queue.count >= capacity {
            dropped += 1
        } else {
            queue.append(line)
            // Broadcast, not signal: flush(timeout:) may be waiting on the same condition.
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Waits until every queued line is written, or `timeout` passed. Returns whether all were.
    @discardableResult
    func flush(timeout: Duration = .seconds(2)) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !queue.isEmpty || writing || dropped > 0 {
            guard started, condition.wait(until: deadline) else { return queue.isEmpty && !writing && dropped == 0 }
        }
        return true
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && dropped == 0 { condition.wait() }
            var lines = queue
            queue.removeAll(keepingCapacity: true)
            if dropped > 0 {
                lines.append(dropNotice(count: dropped, service: service))
                dropped = 0
            }
            writing = true
            condition.unlock()

            // One write(2) per line: lines never interleave with others written to the same descriptor.
            for line in lines { writeFully(line) }

            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func writeFully(_ line: [UInt8]) {
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    return  // stdout closed: nothing more can be done with this line
                }
            }
        }
    }

    private func dropNotice(count: Int, service: String?) -> [UInt8] {
        var fields: [String: Logger.MetadataValue] = [
            "ts": .string(JSONLogLine.timestamp(Date())), "level": .string("warning"),
            "msg": .string("log lines dropped: the log reader did not keep up"), "dropped": .string("\(count)"),
        ]
        if let service { fields["service"] = .string(service) }
        return JSONLogLine.render(fields)
    }
}
