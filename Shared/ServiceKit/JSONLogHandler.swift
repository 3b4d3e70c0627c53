import Foundation
public import Logging

/// Writes one JSON object per line to stdout: `ts`, `level`, `service`, `msg`, then the
/// metadata (ids such as `interaction_id`, `message_id`, `trace_id`). Message bodies and
/// phone numbers are never logged at info level by the services.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let service: String
    private let label: String
    private let writer: LogLineWriter

    public init(label: String, service: String, level: Logger.Level) {
        self.init(label: label, service: service, level: level, writer: .standardOutput)
    }

    init(label: String, service: String, level: Logger.Level, writer: LogLineWriter) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.writer = writer
    }

    /// Waits (up to `timeout`) until every line logged so far is on stdout: before the
    /// process exits. Blocks the calling thread; async code uses ``flushed(timeout:)``.
    @discardableResult
    public static func flush(timeout: Duration = .seconds(2)) -> Bool {
        LogLineWriter.standardOutput.flush(timeout: timeout)
    }

    /// ``flush(timeout:)`` waited for on a thread of its own, not on the cooperative pool.
    @discardableResult
    public static func flushed(timeout: Duration = .seconds(2)) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: flush(timeout: timeout)) }.start()
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: Logger.Metadata = metadata
        if let extra = event.metadata { fields.merge(extra, uniquingKeysWith: { $1 }) }
        fields["ts"] = .string(JSONLogLine.timestamp(Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["service"] = .string(service)
        fields["msg"] = .string(event.message.description)
        if label != service { fields["logger"] = .string(label) }
        if event.level >= .error { fields["source"] = .string("\(event.file):\(event.line)") }
        // Written by the writer's own thread: a stalled stdout never blocks the logging task.
        writer.enqueue(JSONLogLine.render(fields))
    }
}
