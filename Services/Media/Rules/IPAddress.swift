import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as numbers, the form every address check works on.
///
/// IPv4 host text is parsed the way browsers and `inet_aton` (which glibc's
/// `getaddrinfo` uses) read it, not only as four decimal parts: `2130706433`,
/// `0177.0.0.1`, `0x7f.0.0.1` and `127.1` are all 127.0.0.1. Reading them the lenient way
/// is what makes the check safe: whatever form the sender chose, the address checked is
/// the address the resolver would connect to.
enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// 16 bytes, network order.
    case v6([UInt8])

    /// The outcome of reading a host as IPv4 (WHATWG URL "IPv4 parser").
    enum IPv4Parse: Equatable, Sendable {
        /// Not an IPv4 host (its last label is not a number): a domain name.
        case notIPv4
        case address(UInt32)
        /// Looks like IPv4 (ends in a number) but is not a valid one: refuse the host.
        case invalid
    }

    /// Reads `text` as an IP literal: an IPv4 host in any of the lenient forms above, or
    /// an IPv6 address with or without brackets (no zone id). Nil for anything else.
    init?(literal text: String) {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.contains(":") {
            guard let bytes = Self.parseIPv6(text) else { return nil }
            self = .v6(bytes)
            return
        }
        guard case .address(let value) = Self.parseIPv4(text) else { return nil }
        self = .v4(value)
    }

    /// The WHATWG URL Standard's IPv4 parser: 1 to 4 dot-separated numbers, each decimal,
    /// octal (leading `0`) or hexadecimal (`0x`); the last one fills the remaining bytes.
    static func parseIPv4(_ host: String) -> IPv4Parse {
        var parts = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 1, parts.last == "" { parts.removeLast() }
        // "Ends in a number": only then is the host an IPv4 address (or an invalid one).
        guard let last = parts.last, !last.isEmpty else { return .notIPv4 }
        let lastIsNumber = last.allSatisfy(\.isASCIIDigit) || Self.parseNumber(last) != nil
        guard lastIsNumber else { return .notIPv4 }
        guard parts.count <= 4 else { return .invalid }
        var numbers: [UInt64] = []
        for part in parts {
            guard !part.isEmpty, let number = Self.parseNumber(part) else { return .invalid }
            numbers.append(number)
        }
        for number in numbers.dropLast() where number > 255 { return .invalid }
        let lastNumber = numbers[numbers.count - 1]
        let lastBytes = 5 - numbers.count
        guard lastNumber < (UInt64(1) << (8 * UInt64(lastBytes))) else { return .invalid }
        var value = lastNumber
        for (index, number) in numbers.dropLast().enumerated() {
            value += number << (8 * UInt64(3 - index))
        }
        return .address(UInt32(value))
    }

    /// One IPv4 part: `0x…` hexadecimal, `0…` octal, else decimal; nil when not a number
    /// (or absurdly long, which no valid address is).
    private static func parseNumber(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var radix: UInt64 = 10
        if digits.count >= 2, digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
            if digits.isEmpty { return 0 }
        } else if digits.count >= 2, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        guard !digits.isEmpty, digits.count <= 32 else { return nil }
        var value: UInt64 = 0
        for character in digits {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { return nil }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (added, overflow2) = multiplied.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = added
        }
        return value
    }

    /// Strict IPv6 text (RFC 4291, with `::` and a trailing dotted IPv4) through `inet_pton`.
    /// Zone ids (`fe80::1%eth0`) are refused.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard !text.contains("%"), text.utf8.count <= 64 else { return nil }
        var storage = in6_addr()
        let result = text.withCString { inet_pton(AF_INET6, $0, &storage) }
        guard result == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    /// An address embedded in an IPv6 one that routes to IPv4: IPv4-mapped
    /// (`::ffff:a.b.c.d`), the NAT64 well-known prefix (`64:ff9b::/96`) and 6to4
    /// (`2002:AABB:CCDD::/16`). Checks then apply to the IPv4 address.
    var embeddedIPv4: UInt32? {
        guard case .v6(let bytes) = self else { return nil }
        func v4(at offset: Int) -> UInt32 {
            bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return v4(at: 12) }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return v4(at: 12) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return v4(at: 2) }
        return nil
    }

    /// The address to check: IPv4-mapped IPv6 becomes its IPv4 address.
    var normalized: IPAddress {
        if case .v6(let bytes) = self, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff,
            let v4 = embeddedIPv4
        {
            return .v4(v4)
        }
        return self
    }

    var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
        case .v6(let bytes):
            var storage = in6_addr()
            withUnsafeMutableBytes(of: &storage) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            guard inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
