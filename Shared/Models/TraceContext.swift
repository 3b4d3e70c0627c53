/// W3C Trace Context `traceparent` values: continued from the message that caused the
/// work, or started fresh.
public enum TraceContext {
    /// A new `traceparent` with random trace and span ids.
    public static func newTraceparent() -> String {
        "00-\(randomHex(bytes: 16))-\(randomHex(bytes: 8))-01"
    }

    /// A child of `parent` (same trace id, new span id), or a new trace if `parent` is not valid.
    public static func child(of parent: String?) -> String {
        guard let parent, let traceID = traceID(of: parent) else { return newTraceparent() }
        return "00-\(traceID)-\(randomHex(bytes: 8))-01"
    }

    /// The trace id of a valid `traceparent`, for logs.
    public static func traceID(of traceparent: String) -> String? {
        let parts = traceparent.split(separator: "-")
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }), parts[1] != String(repeating: "0", count: 32)
        else { return nil }
        return String(parts[1]).lowercased()
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text += String(byte, radix: 16).leftPadded(to: 2)
        }
        return text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
