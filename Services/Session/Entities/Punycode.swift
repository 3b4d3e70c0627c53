import Foundation

/// Punycode (RFC 3492) and the per-label IDNA ToASCII step built on it.
///
/// Transcript entities show a deceptive internationalised host name (`pаypal.com` with a
/// Cyrillic `а`) in its ASCII-compatible form (`xn--pypal-4ve.com`), which is what the DNS
/// actually resolves and what makes the difference visible to an agent. The encoder is
/// written out here rather than taken from a library because the models module has no
/// dependencies besides Foundation, and Foundation has no public IDNA API on Linux.
///
/// A caseless enum: it is only a namespace and has no values to encode or compare.
public enum Punycode: Sendable {
    // RFC 3492 section 5, parameter values for Punycode.
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80

    /// The longest DNS label (RFC 1034), in ASCII characters, `xn--` included.
    static let maximumLabelLength = 63

    /// The Punycode form of `label` (without the `xn--` prefix), or `nil` if the
    /// arithmetic would overflow.
    ///
    /// Basic (ASCII) code points are copied as they are, case included, followed by `-` if
    /// there were any, then the deltas for the other code points as lowercase base-36
    /// digits. No mixed-case annotation is produced (RFC 3492 makes it optional), so the
    /// RFC's sample (I) comes out as `b1abfaaepdrnnbgefbadotcwatmq2g4l`. The encoder does
    /// not map or validate anything; ``toASCII(host:)`` does that for host names. The
    /// work is proportional to the length times the number of distinct non-ASCII code
    /// points, which is small for labels (``toASCII(host:)`` never passes more than 63).
    public static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = String.UnicodeScalarView()
        for codePoint in input where codePoint < initialN {
            output.append(Unicode.Scalar(UInt8(codePoint)))
        }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }

        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            // The smallest code point not yet handled.
            var next = Int.max
            for codePoint in input where codePoint >= n && codePoint < next { next = codePoint }
            let (increment, overflowA) = (next - n).multipliedReportingOverflow(by: handled + 1)
            let (sum, overflowB) = delta.addingReportingOverflow(increment)
            guard !overflowA, !overflowB else { return nil }
            delta = sum
            n = next
            for codePoint in input {
                if codePoint < n {
                    let (incremented, overflow) = delta.addingReportingOverflow(1)
                    guard !overflow else { return nil }
                    delta = incremented
                }
                guard codePoint == n else { continue }
                // Emit delta as a generalised variable-length integer.
                var q = delta
                var k = base
                while true {
                    let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta: delta, points: handled + 1, first: handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// IDNA ToASCII applied to each label of `host`: the host is mapped, then split into
    /// labels; ASCII labels are kept, the others become `xn--` followed by their Punycode.
    /// `nil` if a label cannot be encoded or its encoded form is longer than 63 characters.
    ///
    /// The mapping is a close approximation of UTS #46 (which browsers apply before
    /// looking a name up): compatibility characters are folded (NFKC, so full-width letters
    /// become ASCII), letters are lowercased, Cherokee is case-folded to its capital
    /// letters as UTS #46 does, and the ideographic and full-width full stops `。` `．` `｡`
    /// separate labels like `.`. Nothing is rejected for being disallowed in IDNA2008: the
    /// result is for showing what a name really is, not for registering one. Empty labels
    /// (a trailing dot, `a..b`) are kept as they are.
    public static func toASCII(host: String) -> String? {
        var result: [String] = []
        for label in labels(of: map(host)) {
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                result.append(label)
                continue
            }
            // An encoded label is never shorter than its input, so a long input is refused
            // before the encoder, whose work grows quadratically, sees it.
            guard label.unicodeScalars.count <= maximumLabelLength - 4,
                let encoded = encode(label), encoded.utf8.count + 4 <= maximumLabelLength
            else { return nil }
            result.append("xn--" + encoded)
        }
        return result.joined(separator: ".")
    }

    // MARK: - Helpers shared with the entity extractor

    /// The labels of `host`, split at `.` and at the dots IDNA treats the same way
    /// (U+3002 ideographic full stop, U+FF0E full-width full stop, U+FF61 half-width
    /// ideographic full stop).
    static func labels(of host: String) -> [String] {
        var labels: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in host.unicodeScalars {
            if isLabelSeparator(scalar) {
                labels.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        labels.append(String(current))
        return labels
    }

    static func isLabelSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "." || scalar == "\u{3002}" || scalar == "\u{FF0E}" || scalar == "\u{FF61}"
    }

    /// UTS #46-like mapping of a host name or label: ASCII is only lowercased; anything else
    /// goes through NFKC, lowercasing, Cherokee folded to capitals, and NFC again
    /// (lowercasing can leave a decomposed sequence behind). Mapping comes before splitting
    /// into labels, as in UTS #46, because compatibility forms can produce a `.`.
    static func map(_ host: String) -> String {
        if host.unicodeScalars.allSatisfy(\.isASCII) { return host.lowercased() }
        let lowered = host.precomposedStringWithCompatibilityMapping.lowercased()
        var folded = String.UnicodeScalarView()
        for scalar in lowered.unicodeScalars {
            folded.append(foldingCherokee(scalar))
        }
        return String(folded).precomposedStringWithCanonicalMapping
    }

    /// Cherokee small letters (Unicode 8) case-fold to the original capital letters, so
    /// that names registered before small letters existed keep their encoding.
    private static func foldingCherokee(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0xAB70...0xABBF:
            Unicode.Scalar(scalar.value - 0xAB70 + 0x13A0) ?? scalar
        case 0x13F8...0x13FD:
            Unicode.Scalar(scalar.value - 8) ?? scalar
        default:
            scalar
        }
    }

    // MARK: - RFC 3492 internals

    /// The basic code point for digit value `value` (0–25 → `a`–`z`, 26–35 → `0`–`9`).
    private static func digit(_ value: Int) -> Unicode.Scalar {
        Unicode.Scalar(UInt8(value < 26 ? 0x61 + value : 0x30 + value - 26))
    }

    /// Bias adaptation, RFC 3492 section 6.1.
    private static func adapt(delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
