import Foundation

/// The fields of an `application/x-www-form-urlencoded` body or a query string, in order,
/// repeated names kept. `+` is a space and `%XX` a byte; a value is kept as bytes too,
/// because Kannel sends binary fields (`udh`) and texts in other charsets that way.
struct FormFields: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var name: String
        var bytes: [UInt8]
        /// The value as UTF-8 (invalid sequences replaced).
        var value: String { String(decoding: bytes, as: UTF8.self) }
    }

    var fields: [Field]

    init(fields: [Field] = []) {
        self.fields = fields
    }

    init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, bytes: Array($0.1.utf8)) }
    }

    /// Parses `a=1&b=x+y&c=%E2%82%AC`. Empty pairs are skipped; a name without `=` has
    /// an empty value; a malformed `%` escape is kept literally.
    init(encoded text: some StringProtocol) {
        self.init(encodedBytes: Array(text.utf8))
    }

    /// Parses a form body as bytes (a body need not be valid UTF-8 before decoding).
    init(encodedBytes: [UInt8]) {
        var fields: [Field] = []
        for pair in encodedBytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let bytes = Array(pair)
            let equals = bytes.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { Array(bytes[..<$0]) } ?? bytes
            let rawValue = equals.map { Array(bytes[($0 + 1)...]) } ?? []
            let name = String(decoding: Self.percentDecode(rawName), as: UTF8.self)
            guard !name.isEmpty else { continue }
            fields.append(Field(name: name, bytes: Self.percentDecode(rawValue)))
        }
        self.fields = fields
    }

    /// The first value of `name`, or nil.
    subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The first value of `name` as bytes, or nil.
    func bytes(_ name: String) -> [UInt8]? {
        fields.first { $0.name == name }?.bytes
    }

    /// The first non-empty value among `names`, trimmed.
    func first(_ names: String...) -> String? {
        for name in names {
            if let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { return value }
        }
        return nil
    }

    /// These fields followed by `other`'s.
    func merging(_ other: FormFields) -> FormFields {
        FormFields(fields: fields + other.fields)
    }

    /// Name/value pairs as strings (for signatures).
    var pairs: [(name: String, value: String)] {
        fields.map { ($0.name, $0.value) }
    }

    static func percentDecode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                index += 1
            } else if byte == UInt8(ascii: "%"), let high = hexValue(bytes[safe: index + 1]), let low = hexValue(bytes[safe: index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8?) -> UInt8? {
        guard let byte else { return nil }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}

/// Hexadecimal text of bytes and back.
enum Hex {
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of an even-length hex string (either case), or nil.
    static func bytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Comparison whose time does not depend on where two secrets differ.
enum ConstantTime {
    static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        var left = a.makeIterator()
        var right = b.makeIterator()
        for _ in 0..<max(a.count, b.count) {
            difference |= (left.next() ?? 0) ^ (right.next() ?? 0xff)
        }
        return difference == 0 && a.count == b.count
    }
}

extension FormFields {
    /// The top-level members of a JSON object as fields (sorted by name): strings as they
    /// are, numbers and booleans as their JSON text, null and nested values empty. Nil
    /// when the body is not a JSON object.
    init?(json bytes: [UInt8]) {
        guard let object = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(bytes)) else { return nil }
        self.init(object.keys.sorted().map { ($0, object[$0]?.text ?? "") })
    }

    private struct JSONScalar: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                text = ""
            } else if let value = try? container.decode(Bool.self) {
                text = value ? "true" : "false"
            } else if let value = try? container.decode(Int64.self) {
                text = String(value)
            } else if let value = try? container.decode(Double.self) {
                text = String(value)
            } else if let value = try? container.decode(String.self) {
                text = value
            } else {
                text = ""
            }
        }
    }
}
