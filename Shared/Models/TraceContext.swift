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

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `bytes` random bytes as lowercase hex. One system random draw per 8 bytes (a draw is
    /// a `getrandom` call): ids are made for every message.
    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        text.reserveCapacity(bytes * 2)
        var remaining = bytes
        while remaining > 0 {
            var word = generator.next()
            for _ in 0..<min(8, remaining) {
                let byte = Int(word & 0xFF)
                word >>= 8
                text.append(hexDigits[byte >> 4])
                text.append(hexDigits[byte & 0x0F])
            }
            remaining -= 8
        }
        return String(decoding: text, as: UTF8.self)
    }
}
