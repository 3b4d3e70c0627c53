public import Foundation
public import Logging
import SwitchboardModels

/// One log line as JSON, written by hand: `JSONSerialization` (boxing every value into
/// `Any`, then a generic writer) cost a service more CPU per message than its SQL did.
/// Keys are sorted so lines diff and grep the same way every time; strings are escaped as
/// RFC 8259 requires (quote, backslash, control characters; ``JSONByteWriter/appendString(_:to:)``),
/// everything else is UTF-8 as is.
public enum JSONLogLine {
    /// The line (with its trailing newline) for these top-level fields.
    public static func render(_ fields: [String: Logger.MetadataValue]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(.dictionary(fields), to: &out)
        out.append(0x0A)
        return out
    }

    static func write(_ value: Logger.MetadataValue, to out: inout [UInt8]) {
        switch value {
        case .string(let string):
            writeString(string, to: &out)
        case .stringConvertible(let convertible):
            writeString(convertible.description, to: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if let element = dictionary[key] { write(element, to: &out) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ string: String, to out: inout [UInt8]) {
        JSONByteWriter.appendString(string, to: &out)
    }

    /// RFC 3339 UTC with milliseconds (`2026-11-23T14:44:21.967Z`), without a formatter.
    public static func timestamp(_ date: Date) -> String {
        RFC3339.string(from: date)
    }
}
