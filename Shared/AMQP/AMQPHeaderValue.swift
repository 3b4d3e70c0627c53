/// A value in an AMQP field table (message headers, queue arguments).
///
/// Only the kinds Switchboard writes or needs to read are modelled; other kinds read from
/// the wire are kept as their textual form so nothing is silently dropped.
public enum AMQPHeaderValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case table([String: AMQPHeaderValue])
    case array([AMQPHeaderValue])

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        case .double(let value): String(value)
        case .table(let value): String(describing: value)
        case .array(let value): String(describing: value)
        }
    }
}
