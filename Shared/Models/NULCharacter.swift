public import Foundation

/// The rule for U+0000 in any input, HTTP or AMQP: it is refused where the input is
/// validated, naming the field.
///
/// PostgreSQL cannot store a NUL in `text` or `jsonb` (SQLSTATE 22021/22P05), so a NUL
/// that got as far as a query failed there as if the database were broken (a 500 over
/// HTTP, a retried and finally dead-lettered delivery over AMQP, both without a reason).
/// No SMS alphabet, phone number, name or search needs the character (GSM 03.38's `@` is
/// septet 0 on the air, but carriers and connectors hand it over as `@`), so refusing it
/// loses nothing a person wrote, and unlike silently stripping it, it tells the sender.
public enum NULCharacter {
    /// Whether `text` holds a NUL.
    public static func isIn(_ text: some StringProtocol) -> Bool {
        text.utf8.contains(0)
    }

    /// Whether a raw (still percent-encoded) URI component holds an encoded NUL (`%00`).
    public static func isEncoded(in component: some StringProtocol) -> Bool {
        var utf8 = component.utf8.makeIterator()
        var state = 0
        while let byte = utf8.next() {
            switch (state, byte) {
            case (_, UInt8(ascii: "%")): state = 1
            case (1, UInt8(ascii: "0")): state = 2
            case (2, UInt8(ascii: "0")): return true
            default: state = 0
            }
        }
        return false
    }

    /// The path (`text`, `media[1].filename`, `case_data.<key>` for a key) of the first JSON
    /// string, key or value, that holds a NUL; nil when none does or the body is not JSON.
    /// Only bodies whose bytes hold the escape `\u0000` are parsed, so the common case
    /// costs one scan.
    public static func fieldPath(inJSON data: Data) -> String? {
        guard mayHoldEscapedNUL(data),
            let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        return path(in: root, at: "")
    }

    private static func mayHoldEscapedNUL(_ data: Data) -> Bool {
        let pattern = Array(#"\u0000"#.utf8)
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            guard raw.count >= pattern.count else { return false }
            for start in 0...(raw.count - pattern.count) where raw[start] == pattern[0] {
                if (1..<pattern.count).allSatisfy({ raw[start + $0] == pattern[$0] }) { return true }
            }
            return false
        }
    }

    private static func path(in value: Any, at path: String) -> String? {
        switch value {
        case let text as String:
            return isIn(text) ? (path.isEmpty ? "body" : path) : nil
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = self.path(in: element, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if isIn(key) { return path.isEmpty ? "a key of the body" : "a key of \(path)" }
                if let found = self.path(in: object[key] as Any, at: child) { return found }
            }
            return nil
        default:
            return nil
        }
    }
}
