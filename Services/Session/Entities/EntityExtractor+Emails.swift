import Foundation

extension EntityExtractor {
    /// `local@domain.tld` outside URLs: an ASCII dot-atom local part (RFC 5322 `atext`)
    /// that starts with a letter, digit, `_` or `-` (a leading quote or bracket is taken as
    /// punctuation around the address), and a domain of ASCII letter, digit and hyphen
    /// labels ending in a top-level domain of two or more letters. The domain is lowercased;
    /// the local part is kept as written, since it may be case-sensitive. Internationalised
    /// addresses are not recognised. An address glued to a letter of a cased script
    /// (`éric@…`, `…@example.comé`) is left alone rather than cut short.
    static func emails(in scalars: [Unicode.Scalar], covered: inout [Bool]) -> [String] {
        var result: [String] = []
        var seen: Set<String> = []
        var floor = 0  // no local part reaches back into an earlier email
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "@", !covered[index] else {
                index += 1
                continue
            }
            var localStart = index
            while localStart > floor, !covered[localStart - 1], isLocalPartScalar(scalars[localStart - 1]) {
                localStart -= 1
            }
            let gluedBefore = localStart > 0 && !covered[localStart - 1] && isCasedOrMark(scalars[localStart - 1])
            while localStart < index, !isLocalPartStart(scalars[localStart]) { localStart += 1 }

            var domainEnd = index + 1
            while domainEnd < scalars.count, !covered[domainEnd], isDomainScalar(scalars[domainEnd]) { domainEnd += 1 }
            let gluedAfter =
                domainEnd < scalars.count && !covered[domainEnd]
                && (isCasedOrMark(scalars[domainEnd]) || scalars[domainEnd] == "@")
            while domainEnd > index + 1, scalars[domainEnd - 1] == "." { domainEnd -= 1 }

            let local = scalars[localStart..<index]
            let domain = scalars[(index + 1)..<domainEnd]
            guard !gluedBefore, !gluedAfter, isValidLocalPart(local), isValidDomain(domain) else {
                index += 1
                continue
            }
            let address = string(local) + "@" + string(domain).lowercased()
            if seen.insert(address).inserted { result.append(address) }
            for position in localStart..<domainEnd { covered[position] = true }
            floor = domainEnd
            index = domainEnd
        }
        return result
    }

    static func isLocalPartScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        if isASCIIAlphanumeric(scalar) { return true }
        return ".!#$%&'*+/=?^_`{|}~-".unicodeScalars.contains(scalar)
    }

    static func isLocalPartStart(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIAlphanumeric(scalar) || scalar == "_" || scalar == "-"
    }

    static func isDomainScalar(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIAlphanumeric(scalar) || scalar == "-" || scalar == "."
    }

    static func isValidLocalPart(_ local: ArraySlice<Unicode.Scalar>) -> Bool {
        guard (1...64).contains(local.count), local.last != "." else { return false }
        var previous: Unicode.Scalar?
        for scalar in local {
            if scalar == ".", previous == "." { return false }
            previous = scalar
        }
        return local.contains(where: isASCIIAlphanumeric)
    }

    static func isValidDomain(_ domain: ArraySlice<Unicode.Scalar>) -> Bool {
        guard (4...253).contains(domain.count) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let topLevel = labels.last else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-" else { return false }
        }
        return topLevel.count >= 2 && topLevel.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }

    /// A letter of a script with case (Latin, Greek, Cyrillic, …) or a combining mark:
    /// something an ASCII address cannot be separated from without a space.
    static func isCasedOrMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return scalar.properties.isCased
        }
    }
}
