import Foundation
import SwitchboardModels

extension EntityExtractor {
    /// Starts without a host searched in one token (text up to whitespace) before the rest
    /// of it is given up: bounds the work of a hostile token (``urls(in:messageHasHiddenControls:covered:)``).
    static let maxHostlessStarts = 16

    static func urls(
        in scalars: [Unicode.Scalar], messageHasHiddenControls: Bool, covered: inout [Bool]
    ) -> [URLEntity] {
        var result: [URLEntity] = []
        var seen: Set<String> = []
        // The next delimiter at or after the last scanned start. Cached so that a long token
        // with many candidate starts is scanned once, keeping the pass linear.
        var delimiter = -1
        // Starts without a host in the current token. Each costs a pass over the rest of the
        // token (its trailing punctuation and brackets), so a token of thousands of them
        // (`http:///http:///…)`, a 64 KiB preview) would cost their square; after
        // `maxHostlessStarts` the rest of the token is not searched. Real text has none or one.
        var hostlessStarts = 0
        var index = 0
        while index < scalars.count {
            guard let (scheme, hostStart) = urlStart(in: scalars, at: index) else {
                index += 1
                continue
            }
            if delimiter < hostStart {
                delimiter = hostStart
                while delimiter < scalars.count, !endsURL(scalars[delimiter]) { delimiter += 1 }
                hostlessStarts = 0
            }
            let end = trimmedEnd(scalars, start: index, hostStart: hostStart, end: delimiter)
            guard
                let (display, suspicious) = describe(
                    scalars, scheme: scheme, hostStart: hostStart, end: end,
                    messageHasHiddenControls: messageHasHiddenControls
                )
            else {
                hostlessStarts += 1
                index = hostlessStarts < maxHostlessStarts ? max(index + 1, hostStart) : max(index + 1, delimiter)
                continue
            }
            for position in index..<end { covered[position] = true }
            let text = string(scalars[index..<end])
            if seen.insert(text).inserted {
                result.append(URLEntity(text: text, display: display, suspicious: suspicious))
            }
            index = end
        }
        return result
    }

    /// The scheme (`nil` for a bare `www.`) and where the host starts, if a URL starts at
    /// `index`.
    static func urlStart(in scalars: [Unicode.Scalar], at index: Int) -> (String?, Int)? {
        let first = scalars[index]
        guard first == "h" || first == "H" || first == "w" || first == "W" else { return nil }
        let previous: Unicode.Scalar? = index > 0 ? scalars[index - 1] : nil
        // Not inside a word (`xhttp://`), but right after Chinese or Japanese text, which
        // has no spaces (`詳しくはhttps://…`).
        if let previous, isASCIIAlphanumeric(previous) || isCasedOrMark(previous) { return nil }
        if hasPrefix(scalars, at: index, "https://") { return ("https", index + 8) }
        if hasPrefix(scalars, at: index, "http://") { return ("http", index + 7) }
        if hasPrefix(scalars, at: index, "www."), index + 4 < scalars.count, isWordScalar(scalars[index + 4]) {
            // "kate@www.example.com" is an email, "a.www.b" part of some other name.
            if let previous, previous == "." || previous == "-" || previous == "_" || previous == "@" { return nil }
            return (nil, index)
        }
        return nil
    }

    /// Case-insensitive ASCII prefix test; `prefix` is lowercase.
    static func hasPrefix(_ scalars: [Unicode.Scalar], at index: Int, _ prefix: String) -> Bool {
        var position = index
        for expected in prefix.unicodeScalars {
            guard position < scalars.count else { return false }
            var actual = scalars[position].value
            if (0x41...0x5A).contains(actual) { actual += 0x20 }
            guard actual == expected.value else { return false }
            position += 1
        }
        return true
    }

    /// A URL runs up to whitespace or a control character; `<` and `>` cannot occur in one
    /// and commonly delimit it (RFC 3986, appendix C).
    static func endsURL(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "<" || scalar == ">"
        }
        return scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
    }

    /// `end` moved back over trailing punctuation that belongs to the sentence rather than
    /// to the address. A closing bracket stays when the address opened more of that kind
    /// than it closed before it.
    static func trimmedEnd(_ scalars: [Unicode.Scalar], start: Int, hostStart: Int, end: Int) -> Int {
        var end = end
        var opened = [0, 0, 0]
        var closed = [0, 0, 0]
        var counted = false
        while end > hostStart {
            let last = scalars[end - 1]
            if let kind = closingBracket(last) {
                if !counted {
                    for scalar in scalars[start..<end] {
                        if let open = openingBracket(scalar) { opened[open] += 1 }
                        if let close = closingBracket(scalar) { closed[close] += 1 }
                    }
                    counted = true
                }
                if closed[kind] <= opened[kind] { break }
                closed[kind] -= 1
                end -= 1
            } else if isTrailingPunctuation(last) {
                end -= 1
            } else {
                break
            }
        }
        return end
    }

    static func openingBracket(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "(": 0
        case "[": 1
        case "{": 2
        default: nil
        }
    }

    static func closingBracket(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case ")": 0
        case "]": 1
        case "}": 2
        default: nil
        }
    }

    static func isTrailingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ".", ",", ";", ":", "!", "?", "'", "\"":
            true
        // … ’ ” » 、 。 〉 》 」 』 】 ！ ） ， ． ： ； ？
        case "\u{2026}", "\u{2019}", "\u{201D}", "\u{00BB}", "\u{3001}", "\u{3002}", "\u{3009}", "\u{300B}",
            "\u{300D}", "\u{300F}", "\u{3011}", "\u{FF01}", "\u{FF09}", "\u{FF0C}", "\u{FF0E}", "\u{FF1A}",
            "\u{FF1B}", "\u{FF1F}":
            true
        default:
            false
        }
    }

    /// The display form and suspicion of the URL `scalars[..<end]` whose host starts at
    /// `hostStart`, or `nil` if it has no host.
    static func describe(
        _ scalars: [Unicode.Scalar], scheme: String?, hostStart: Int, end: Int, messageHasHiddenControls: Bool
    ) -> (String, Bool)? {
        guard end > hostStart else { return nil }
        // The authority ends at the path, query or fragment; browsers treat `\` as `/`
        // in http(s) URLs, so `https://evil.example\@bank.com` goes to evil.example.
        var authorityEnd = hostStart
        while authorityEnd < end, !"/?#\\".unicodeScalars.contains(scalars[authorityEnd]) { authorityEnd += 1 }
        // Userinfo runs to the last `@` of the authority, as browsers parse it.
        var at: Int?
        for position in hostStart..<authorityEnd where scalars[position] == "@" { at = position }
        let hostPortStart = at.map { $0 + 1 } ?? hostStart

        var hostEnd = authorityEnd
        if hostPortStart < authorityEnd, scalars[hostPortStart] == "[" {
            // IPv6 literal: the port, if any, follows the `]`.
            if let close = (hostPortStart..<authorityEnd).first(where: { scalars[$0] == "]" }) { hostEnd = close + 1 }
        } else {
            var portStart = authorityEnd
            while portStart > hostPortStart, ("0"..."9").contains(scalars[portStart - 1]) { portStart -= 1 }
            if portStart > hostPortStart, scalars[portStart - 1] == ":" { hostEnd = portStart - 1 }
        }

        var host = Array(scalars[hostPortStart..<hostEnd])
        // Browsers percent-decode a host before resolving it, so `%62ank.com` is bank.com;
        // show what is resolved, and flag the obfuscation.
        var percentEncoded = false
        if host.contains("%"), let decoded = percentDecoded(host) {
            host = decoded
            percentEncoded = true
        }
        guard host.contains(where: { !isHidden($0) && isWordScalar($0) }) else { return nil }
        let (shownHost, hostSuspicious) = showHost(host)

        var display = (scheme ?? "http") + "://"
        if let at {
            display += visible(scalars[hostStart..<at]) + "@"
        }
        display += shownHost
        display += visible(scalars[hostEnd..<end])

        let urlHasHidden = scalars[hostStart..<end].contains(where: isHidden)
        // Parsers disagree about `\` (browsers read it as `/`, RFC 3986 parsers as data), so
        // `https://bank.com\@evil.example` goes to a different host depending on who reads it.
        let backslash = scalars[hostStart..<end].contains("\\")
        let suspicious =
            messageHasHiddenControls || urlHasHidden || at != nil || percentEncoded || backslash
            || hostSuspicious
        return (display, suspicious)
    }

    /// `%XX` escapes replaced by their bytes, or `nil` if there are none or the bytes are
    /// not UTF-8.
    static func percentDecoded(_ host: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        var bytes: [UInt8] = []
        var changed = false
        var position = 0
        while position < host.count {
            if host[position] == "%", position + 2 < host.count,
                let high = hexValue(host[position + 1]), let low = hexValue(host[position + 2])
            {
                bytes.append(high << 4 | low)
                position += 3
                changed = true
            } else {
                bytes.append(contentsOf: String(host[position]).utf8)
                position += 1
            }
        }
        guard changed else { return nil }
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard decoded.utf8.elementsEqual(bytes) else { return nil }
        return Array(decoded.unicodeScalars)
    }

    static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }

    /// The host as displayed, and whether that display is itself a warning sign.
    ///
    /// The host is lowercased (and, if not ASCII, mapped as IDNA does before a lookup, see
    /// ``Punycode/toASCII(host:)``). If any label is deceptive, the whole host is shown in
    /// Punycode, as browsers do; a label is deceptive when it mixes scripts, is a
    /// whole-script confusable, or holds a non-ASCII symbol or punctuation mark (`⁄` and
    /// `∕` imitate `/`, `․` imitates `.`). A label with hidden characters is encoded as it
    /// is, hidden characters included, so that nothing is dropped from what is shown. A
    /// host that is already `xn--` in the text is flagged too: the agent cannot read it.
    static func showHost(_ host: [Unicode.Scalar]) -> (String, Bool) {
        if host.first == "[" {
            return (visible(string(host[...]).lowercased().unicodeScalars), false)
        }
        let mapped = Punycode.map(string(host[...]))
        let labels = Punycode.labels(of: mapped)
        let topLevel = labels.lastIndex(where: { !$0.isEmpty })
        var deceptive = false
        for (index, label) in labels.enumerated() where !label.unicodeScalars.allSatisfy(\.isASCII) {
            if isDeceptive(label, isTopLevel: index == topLevel, topLevel: topLevel.map { labels[$0] }) {
                deceptive = true
                break
            }
        }
        if deceptive {
            if let ascii = Punycode.toASCII(host: mapped) {
                return (visible(ascii.unicodeScalars), true)
            }
            // A label too long for the DNS: escape every non-ASCII character instead.
            var escaped = ""
            for scalar in mapped.unicodeScalars {
                escaped += scalar.isASCII && !isHidden(scalar) ? String(scalar) : marker(scalar)
            }
            return (escaped, true)
        }
        let alreadyPunycode = labels.contains { $0.hasPrefix("xn--") }
        return (visible(labels.joined(separator: ".").unicodeScalars), alreadyPunycode)
    }
}
