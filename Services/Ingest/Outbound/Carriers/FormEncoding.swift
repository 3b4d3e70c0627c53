extension FormFields {
    /// These fields as `application/x-www-form-urlencoded` text, in order: a request body, or
    /// a query without its `?`. Every byte outside RFC 3986's unreserved set
    /// (`A-Z a-z 0-9 - . _ ~`) is written `%XX`, so a `+`, `&`, `=` or `%` in a text arrives as
    /// itself, and a space is `%20` rather than `+`: both mean a space in a form, but only
    /// `%20` does for a server that decodes its query the RFC 3986 way.
    var urlEncoded: String {
        fields.map { Self.percentEncoded(Array($0.name.utf8)) + "=" + Self.percentEncoded($0.bytes) }.joined(separator: "&")
    }

    /// `bytes` with everything but the unreserved characters percent-encoded (uppercase hex).
    static func percentEncoded(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
