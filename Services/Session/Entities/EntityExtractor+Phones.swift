import Foundation
import SwitchboardModels

extension EntityExtractor {
    /// Phone numbers outside URLs and emails, as E.164, de-duplicated in order of appearance.
    ///
    /// A candidate is a run of digits (any Unicode decimal digits) and the separators people
    /// type (spaces, `-` and other dashes, `.`, `(`, `)`), optionally with a `+` before the
    /// first digit, with at most three separators in a row and at most two spaces among
    /// them. The run is taken whole or not at all: it is not a phone number when it is glued
    /// to something else, that is preceded or followed by a letter or digit (`AB1234567`,
    /// `1234567X`, an IBAN), by `_ @ # $ % & = / \ ~ ^ *` or a currency sign, or joined to a
    /// word by `-`, `.`, `/`, `:` or `,` (`ID-4155550100`, `2024-01-15 10:30`,
    /// `1.234.567,89`). It needs 7–15 digits in all (a longer run is some other number, such
    /// as a card or account number, and no phone number is cut out of it), must not look
    /// like a date (`2024-01-15`, `15.01.2024`) or an IPv4 address, and must be accepted by
    /// ``PhoneNumberNormalizer`` in ``defaultRegion``. The one exception to "whole": a run
    /// whose space-separated parts are each a valid number on its own
    /// (`415-555-0100 415-555-0101`) gives each part. If the region is unknown, only
    /// numbers written with `+` are taken.
    func phones(in scalars: [Unicode.Scalar], covered: [Bool]) -> [String] {
        let regionKnown = PhoneRegion.named(defaultRegion) != nil
        var result: [String] = []
        var seen: Set<String> = []
        var index = 0
        while index < scalars.count {
            guard !covered[index], Self.startsPhoneRun(scalars, at: index) else {
                index += 1
                continue
            }
            let (run, scanEnd) = Self.phoneRun(scalars, from: index, covered: covered)
            if let run, !Self.isGluedBefore(scalars, at: run.lowerBound),
                !Self.isGluedAfter(scalars, at: run.upperBound)
            {
                for number in numbers(in: scalars[run], regionKnown: regionKnown) where seen.insert(number).inserted {
                    result.append(number)
                }
            }
            index = max(index + 1, scanEnd)
        }
        return result
    }

    /// The run as one number, or else, if every space-separated part of it is a complete
    /// number on its own (`415-555-0100 415-555-0101`), each part. A run is never cut
    /// anywhere else, so no number is made up from pieces of a longer one.
    func numbers(in run: ArraySlice<Unicode.Scalar>, regionKnown: Bool) -> [String] {
        if let number = normalize(run, regionKnown: regionKnown) { return [number] }
        var parts: [ArraySlice<Unicode.Scalar>] = []
        var partStart = run.startIndex
        for position in run.indices where Self.isSpace(run[position]) {
            parts.append(run[partStart..<position])
            partStart = position + 1
        }
        guard !parts.isEmpty else { return [] }
        parts.append(run[partStart...])
        parts.removeAll { !$0.contains(where: Self.isDigit) }  // the `-` of `… - …`
        var numbers: [String] = []
        for part in parts {
            guard let number = normalize(part, regionKnown: regionKnown) else { return [] }
            numbers.append(number)
        }
        return numbers
    }

    static func startsPhoneRun(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        let scalar = scalars[index]
        if isDigit(scalar) { return true }
        guard index + 1 < scalars.count else { return false }
        let next = scalars[index + 1]
        switch scalar {
        case "+", "\u{FF0B}": return isDigit(next)
        case "(": return isDigit(next) || next == "+"
        default: return false
        }
    }

    /// The run starting at `start`, from its first character to just after its last digit
    /// (`nil` without digits), and where the scan stopped.
    static func phoneRun(
        _ scalars: [Unicode.Scalar], from start: Int, covered: [Bool]
    ) -> (run: Range<Int>?, scanEnd: Int) {
        var lastDigitEnd = -1
        var separators = 0
        var spaces = 0
        var position = start
        while position < scalars.count, !covered[position] {
            let scalar = scalars[position]
            if scalar == "+" || scalar == "\u{FF0B}", lastDigitEnd < 0, separators <= 1, spaces == 0 {
                // `+44 …` or `(+44) …`: only before the first digit.
                separators = 0
            } else if isDigit(scalar) {
                separators = 0
                spaces = 0
                lastDigitEnd = position + 1
            } else if isPhoneSeparator(scalar) {
                separators += 1
                if isSpace(scalar) { spaces += 1 }
                if separators > 3 || spaces > 2 { break }
            } else {
                break
            }
            position += 1
        }
        return (lastDigitEnd > start ? start..<lastDigitEnd : nil, position)
    }

    static func isGluedBefore(_ scalars: [Unicode.Scalar], at start: Int) -> Bool {
        guard start > 0 else { return false }
        let previous = scalars[start - 1]
        if isWordScalar(previous) || isCurrency(previous) || "_@#$%&=/\\~^*+".unicodeScalars.contains(previous) {
            return true
        }
        return (previous == "-" || previous == ".") && start > 1 && isWordScalar(scalars[start - 2])
    }

    static func isGluedAfter(_ scalars: [Unicode.Scalar], at end: Int) -> Bool {
        guard end < scalars.count else { return false }
        let next = scalars[end]
        if isWordScalar(next) || isCurrency(next) || "_@%".unicodeScalars.contains(next) { return true }
        return "-./:,".unicodeScalars.contains(next) && end + 1 < scalars.count && isWordScalar(scalars[end + 1])
    }

    /// `candidate` in E.164, if it has 7–15 digits, is not a date or an IPv4 address, and
    /// the normaliser accepts it.
    func normalize(_ candidate: ArraySlice<Unicode.Scalar>, regionKnown: Bool) -> String? {
        guard (7...15).contains(candidate.reduce(0) { $0 + (Self.isDigit($1) ? 1 : 0) }),
            !Self.looksLikeDateOrAddress(candidate)
        else { return nil }
        let international = candidate.prefix(while: { !Self.isDigit($0) }).contains { $0 == "+" || $0 == "\u{FF0B}" }
        // `+` numbers do not depend on the region, but the normaliser insists on a known one.
        guard regionKnown || international else { return nil }
        let region = regionKnown ? defaultRegion : "US"
        return try? PhoneNumberNormalizer().normalize(Self.string(candidate), defaultRegion: region)
    }

    /// `2024-01-15`, `15.01.2024`, `1/2/24` (three digit groups, one separator) and
    /// `192.168.1.100` (four dot-separated groups of up to three digits).
    static func looksLikeDateOrAddress(_ candidate: ArraySlice<Unicode.Scalar>) -> Bool {
        var lengths: [Int] = []
        var separators: [Unicode.Scalar] = []
        var current = 0
        var pendingSeparator: Unicode.Scalar?
        var separatorLength = 0
        for scalar in candidate {
            if isDigit(scalar) {
                if current == 0, !lengths.isEmpty {
                    guard separatorLength == 1, let pendingSeparator else { return false }
                    separators.append(pendingSeparator)
                }
                current += 1
            } else {
                if current > 0 {
                    lengths.append(current)
                    current = 0
                    separatorLength = 0
                }
                guard !lengths.isEmpty else { return false }  // starts with `+` or `(`
                pendingSeparator = scalar
                separatorLength += 1
            }
        }
        if current > 0 { lengths.append(current) }
        guard Set(separators).count == 1, let separator = separators.first else { return false }
        if lengths.count == 3, "-./".unicodeScalars.contains(separator) {
            let (a, b, c) = (lengths[0], lengths[1], lengths[2])
            if a == 4, (1...2).contains(b), (1...2).contains(c) { return true }
            if (1...2).contains(a), (1...2).contains(b), c == 2 || c == 4 { return true }
        }
        if lengths.count == 4, separator == ".", lengths.allSatisfy({ (1...3).contains($0) }) { return true }
        return false
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        return scalar.properties.numericType == .decimal
    }

    static func isPhoneSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "-", ".", "(", ")", "\u{2010}"..."\u{2015}", "\u{2212}", "\u{FF08}", "\u{FF09}", "\u{FF0D}", "\u{FF0E}":
            true
        default:
            isSpace(scalar)
        }
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || (!scalar.isASCII && scalar.properties.generalCategory == .spaceSeparator)
    }

    static func isCurrency(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "$" || (!scalar.isASCII && scalar.properties.generalCategory == .currencySymbol)
    }
}
