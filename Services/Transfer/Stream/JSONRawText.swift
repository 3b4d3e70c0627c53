/// Finds a member's JSON text in a JSON document as it was written, without decoding it.
///
/// Why: the desk stream passes session's transcript entries and interaction views on as
/// they are, and writing them again from a decoded dictionary (`JSONSerialization`, keys
/// sorted) was half of transfer's CPU per inbound message (docs/benchmark.md, "eleventh
/// pass"). For a document Foundation's parser has accepted (``EventDataFields`` parses it
/// first, which checks strings, their escapes and their UTF-8): this scanner checks the
/// structure and the numbers and words of what it passes on, since that parser also
/// accepts what JSON does not (a trailing comma) and PostgreSQL's `jsonb` refuses it. It
/// never reads outside the document, and answers nil for anything it does not expect: the
/// caller then writes the parsed object again.
enum JSONRawText {
    /// The text of the value at `path` (object member names, outermost first), or nil when
    /// a step is missing or is not an object where the path goes on. A name that comes
    /// twice in one object gives its last value, as `JSONSerialization` does.
    static func value(at path: [String], in document: [UInt8]) -> ArraySlice<UInt8>? {
        var scanner = Scanner(bytes: document, position: 0)
        // A UTF-8 byte order mark, which Foundation's parser skips too.
        if document.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.position = 3 }
        scanner.skipWhitespace()
        var start = scanner.position
        for name in path {
            scanner.position = start
            guard let found = scanner.member(named: Array(name.utf8)) else { return nil }
            start = found
        }
        scanner.position = start
        guard scanner.skipValue() else { return nil }
        return document[start..<scanner.position]
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position: Int

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        /// At an object: the position of the value of its last member named `name`.
        mutating func member(named name: [UInt8]) -> Int? {
            guard current == UInt8(ascii: "{") else { return nil }
            position += 1
            var found: Int?
            skipWhitespace()
            if current == UInt8(ascii: "}") { return nil }
            while true {
                skipWhitespace()
                guard let key = string() else { return nil }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                if Self.isName(key, name) { found = position }
                guard skipValue() else { return nil }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): return found
                default: return nil
                }
            }
        }

        /// At a string: its bytes between the quotes (escapes as written), the position after it.
        mutating func string() -> ArraySlice<UInt8>? {
            guard current == UInt8(ascii: "\"") else { return nil }
            let start = position + 1
            position = start
            while let byte = current {
                if byte == UInt8(ascii: "\\") {
                    position += 2
                } else if byte == UInt8(ascii: "\"") {
                    position += 1
                    return bytes[start..<(position - 1)]
                } else {
                    position += 1
                }
            }
            return nil
        }

        /// Moves past the value here; false when it is not JSON as RFC 8259 has it (a
        /// trailing comma, which Foundation's parser accepts and PostgreSQL's `jsonb` does
        /// not; a bare word) or nests deeper than 512.
        mutating func skipValue(depth: Int = 0) -> Bool {
            guard depth < 512, let first = current else { return false }
            switch first {
            case UInt8(ascii: "\""):
                return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = first == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                position += 1
                skipWhitespace()
                if current == close {
                    position += 1
                    return true
                }
                while true {
                    skipWhitespace()
                    if isObject {
                        guard string() != nil else { return false }
                        skipWhitespace()
                        guard current == UInt8(ascii: ":") else { return false }
                        position += 1
                        skipWhitespace()
                    }
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if current == close {
                        position += 1
                        return true
                    }
                    guard current == UInt8(ascii: ",") else { return false }
                    position += 1
                }
            default:
                return scalar()
            }
        }

        /// At a number, `true`, `false` or `null`: moves past it; false when it is none
        /// of them as RFC 8259 writes them.
        mutating func scalar() -> Bool {
            for literal in Self.literals where bytes[position...].starts(with: literal) {
                position += literal.count
                return current.map(Self.endsScalar) ?? true
            }
            func digits() -> Int {
                let start = position
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
                return position - start
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits() > 0 else { return false }
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { return false }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { return false }
            }
            return current.map(Self.endsScalar) ?? true
        }

        /// `true`, `false` and `null` as bytes, made once rather than for every scalar scanned.
        static let literals: [[UInt8]] = [Array("true".utf8), Array("false".utf8), Array("null".utf8)]

        static func endsScalar(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x0A
                || byte == 0x0D || byte == 0x09
        }

        /// Whether a key as written is `name`. A key written with escapes is decoded first.
        static func isName(_ key: ArraySlice<UInt8>, _ name: [UInt8]) -> Bool {
            guard key.contains(UInt8(ascii: "\\")) else { return key.elementsEqual(name) }
            return unescaped(key).map { $0.elementsEqual(name) } ?? false
        }

        /// A string's escapes decoded (`\uXXXX` with surrogate pairs included), as UTF-8.
        static func unescaped(_ key: ArraySlice<UInt8>) -> [UInt8]? {
            var output: [UInt8] = []
            var index = key.startIndex
            var pendingHigh: UInt32?
            func hex(_ at: Int) -> UInt32? {
                guard at + 4 <= key.endIndex else { return nil }
                var value: UInt32 = 0
                for byte in key[at..<(at + 4)] {
                    guard let digit = hexDigit(byte) else { return nil }
                    value = value << 4 | digit
                }
                return value
            }
            func append(_ scalar: Unicode.Scalar) {
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            while index < key.endIndex {
                let byte = key[index]
                let isUnicodeEscape = byte == UInt8(ascii: "\\") && index + 1 < key.endIndex && key[index + 1] == UInt8(ascii: "u")
                guard pendingHigh == nil || isUnicodeEscape else { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    output.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < key.endIndex else { return nil }
                let escaped = key[index + 1]
                index += 2
                if let simple = simpleEscape(escaped) {
                    output.append(simple)
                    continue
                }
                guard escaped == UInt8(ascii: "u"), let code = hex(index) else { return nil }
                index += 4
                if let high = pendingHigh {
                    pendingHigh = nil
                    guard (0xDC00...0xDFFF).contains(code), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))
                    else { return nil }
                    append(scalar)
                } else if (0xD800...0xDBFF).contains(code) {
                    pendingHigh = code
                } else {
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    append(scalar)
                }
            }
            return pendingHigh == nil ? output : nil
        }

        static func simpleEscape(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        }

        static func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
    }
}
