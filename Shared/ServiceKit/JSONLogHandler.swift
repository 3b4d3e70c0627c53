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

    public init(label: String, service: String, level: Logger.Level) {
        self.label = label
        self.service = service
        self.logLevel = level
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
        let line = JSONLogLine.render(fields)
        // One write(2) per line: lines from concurrent tasks never interleave.
        line.withUnsafeBytes { buffer in
            _ = write(STDOUT_FILENO, buffer.baseAddress, buffer.count)
        }
    }
}
