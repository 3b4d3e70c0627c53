import Foundation

/// The `Range` header of a content request (RFC 9110 section 14): one range of bytes,
/// `bytes=a-b`, `bytes=a-` or `bytes=-n`.
///
/// A header this does not understand (another unit, a malformed or multi-range value) is
/// ignored and the whole content is served (200), as RFC 9110 allows; a syntactically
/// valid single range that starts past the end (or `-0`) is unsatisfiable (416).
enum ByteRange: Equatable, Sendable {
    /// Serve everything (no Range, or one to ignore).
    case whole
    /// Serve `range` (within the content) with 206 and `Content-Range`.
    case partial(ClosedRange<Int>)
    /// 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    static func evaluate(_ header: String?, length: Int) -> ByteRange {
        guard let header else { return .whole }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.count > 6, text.prefix(6).lowercased() == "bytes=" else { return .whole }
        let spec = text.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        let firstText = parts[0].trimmingCharacters(in: .whitespaces)
        let lastText = parts[1].trimmingCharacters(in: .whitespaces)
        if firstText.isEmpty {
            // Suffix: the last n bytes.
            guard let suffix = number(lastText) else { return .whole }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .partial(max(0, length - suffix)...(length - 1))
        }
        guard let first = number(firstText) else { return .whole }
        var last = Int.max
        if !lastText.isEmpty {
            guard let value = number(lastText) else { return .whole }
            guard value >= first else { return .whole }
            last = value
        }
        guard first < length else { return .unsatisfiable }
        return .partial(first...min(last, length - 1))
    }

    /// Digits only; too large a number saturates (a range past any content).
    private static func number(_ text: String) -> Int? {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(text) ?? Int.max
    }

    static func contentRange(_ range: ClosedRange<Int>, length: Int) -> String {
        "bytes \(range.lowerBound)-\(range.upperBound)/\(length)"
    }
}
