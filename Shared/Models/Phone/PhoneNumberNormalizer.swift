/// Turns phone numbers as people type them into E.164 (`+` and at most 15 digits).
///
/// Conversations, consent records and contact look-ups are keyed by phone number, so the
/// same number written as `(415) 555-0100`, `1 415 555 0100` or `+1 415-555-0100` has to
/// become one string, or a customer would appear as several contacts and an opt-out could be
/// missed. The normaliser is pure (no I/O, no global state) and deliberately smaller than
/// libphonenumber: it understands national, international and `tel:` formats, and validates
/// the country calling code, the E.164 length limit and the national number lengths of the
/// regions in ``PhoneRegion``, but it does not check number ranges or number types, so a
/// well-formed number that is not in service still passes.
public struct PhoneNumberNormalizer: Sendable {
    public init() {}

    /// The E.164 form (`+` followed by digits) of `raw`.
    ///
    /// - `raw` may contain visual separators (spaces, including no-break and other Unicode
    ///   spaces, `-`, `.`, `(`, `)`, `/`, Unicode dashes and their full-width forms), may
    ///   start with `tel:`, and may use any Unicode decimal digits (full-width, Arabic-Indic,
    ///   …), which are read as ASCII digits. Anything else, letters included, is rejected.
    /// - A leading `+`, the region's international prefix (`011` in NANP regions, `0011`
    ///   in Australia, …) or `00` marks an international number. Region prefixes are tried
    ///   first, so where carriers use prefixes such as `001`…`009` (Thailand, Korea, Hong
    ///   Kong, Singapore) those win over `00`, as they do on a phone dialled in that region.
    /// - Otherwise the number is national in `defaultRegion`: the trunk prefix is dropped
    ///   (`0` in most of Europe, `1` in NANP regions, `8` in Russia) when what remains has a
    ///   valid length, and the country calling code is prepended.
    ///
    /// - Parameter defaultRegion: ISO 3166-1 alpha-2 code of the region national numbers are
    ///   read in (case-insensitive). It must be known even for `+` numbers, so that a
    ///   misconfigured region is reported at once rather than on the first national number.
    /// - Throws: ``PhoneNumberError``; ``PhoneNumberError/unknownRegion(_:)`` comes first.
    public func normalize(_ raw: String, defaultRegion: String) throws(PhoneNumberError) -> String {
        guard let region = PhoneRegion.named(defaultRegion) else { throw .unknownRegion(defaultRegion) }
        let (digits, hasPlus) = try Self.scan(raw)

        if hasPlus {
            return try Self.international(digits)
        }
        if let rest = Self.strippingInternationalPrefix(digits, region: region) {
            return try Self.international(rest)
        }
        return try Self.e164(countryCallingCode: region.countryCallingCode, nationalNumber: digits, region: region)
    }

    /// Like ``normalize(_:defaultRegion:)``, but also accepts an SMS short code and returns it
    /// unchanged, because organisations send and receive texts from short codes (`74000`).
    ///
    /// A short code is 3 to 8 ASCII digits with nothing else around them (no `+`, no
    /// separators) and no leading `0`. Short codes are **not** E.164: they only exist inside
    /// one country's networks, so callers must store them as they are and never prepend a
    /// country code. Because the short-code shape is checked first, an unformatted national
    /// number of up to 8 digits (a Danish `32123456`) is read as a short code here; write such
    /// numbers with `+` or separators, or use ``normalize(_:defaultRegion:)``.
    ///
    /// - Throws: ``PhoneNumberError``, as ``normalize(_:defaultRegion:)``.
    public func normalizeAddress(_ raw: String, defaultRegion: String) throws(PhoneNumberError) -> String {
        guard PhoneRegion.named(defaultRegion) != nil else { throw .unknownRegion(defaultRegion) }
        let trimmed = Self.trimmingWhitespace(raw)
        if Self.isShortCode(trimmed) {
            return String(trimmed)
        }
        return try normalize(raw, defaultRegion: defaultRegion)
    }

    // MARK: - Scanning

    /// The ASCII digits of `raw` and whether it started with `+`, after trimming, dropping
    /// `tel:` and separators and mapping Unicode decimal digits to ASCII.
    private static func scan(_ raw: String) throws(PhoneNumberError) -> (digits: String, hasPlus: Bool) {
        var body = trimmingWhitespace(raw)
        if body.count >= 4, body.prefix(4).lowercased() == "tel:" {
            body = body.dropFirst(4)
        }
        var digits = ""
        var hasPlus = false
        for scalar in body.unicodeScalars {
            if let digit = decimalDigit(scalar) {
                digits.append(digit)
            } else if scalar == "+" || scalar == "\u{FF0B}" {
                // Only one plus, before any digit: "+44 20 …" or "(+44) 20 …".
                guard !hasPlus, digits.isEmpty else { throw .invalidCharacters }
                hasPlus = true
            } else if !isSeparator(scalar) {
                throw .invalidCharacters
            }
        }
        guard !digits.isEmpty else { throw .empty }
        return (digits, hasPlus)
    }

    private static func trimmingWhitespace(_ text: String) -> Substring {
        let start = text.drop(while: \.isWhitespace)
        var end = start.endIndex
        while end > start.startIndex, start[start.index(before: end)].isWhitespace {
            end = start.index(before: end)
        }
        return start[..<end]
    }

    /// The ASCII digit for any Unicode decimal digit (general category Nd): full-width,
    /// Arabic-Indic, Devanagari, … Digits that are not decimal (superscripts, circled
    /// numbers, fractions) are not accepted.
    private static func decimalDigit(_ scalar: Unicode.Scalar) -> Character? {
        if ("0"..."9").contains(scalar) { return Character(scalar) }
        // Compared with each digit rather than converted, which would need libm on Linux.
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
            let digit = (0...9).first(where: { Double($0) == value })
        else { return nil }
        return Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(digit)))
    }

    /// Visual separators people put in phone numbers.
    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "-", ".", "(", ")", "/":
            true
        case "\u{2010}"..."\u{2015}", "\u{2212}":  // hyphens, dashes, minus sign
            true
        case "\u{FF08}", "\u{FF09}", "\u{FF0D}", "\u{FF0E}", "\u{FF0F}":  // full-width ( ) - . /
            true
        default:
            // Space, no-break space, thin and narrow no-break spaces, ideographic space, …
            scalar.properties.generalCategory == .spaceSeparator
        }
    }

    private static func isShortCode(_ text: Substring) -> Bool {
        let scalars = text.unicodeScalars
        return (3...8).contains(scalars.count)
            && scalars.allSatisfy { ("0"..."9").contains($0) }
            && scalars.first != "0"
    }

    // MARK: - International prefix and country calling code

    /// The digits after the international prefix if `digits` starts with one, else `nil`.
    ///
    /// As in libphonenumber, a prefix only counts if a country calling code can follow it,
    /// that is if the next digit is not `0`; this keeps national numbers that happen to start
    /// like a carrier prefix (Chile's `1230 0…`) national.
    private static func strippingInternationalPrefix(_ digits: String, region: PhoneRegion) -> String? {
        for prefix in region.internationalPrefixes + ["00"] where digits.hasPrefix(prefix) {
            let rest = digits.dropFirst(prefix.count)
            if let first = rest.first, first != "0" {
                return String(rest)
            }
        }
        return nil
    }

    /// E.164 for the digits after `+` (or after an international prefix).
    private static func international(_ digits: String) throws(PhoneNumberError) -> String {
        guard let countryCallingCode = countryCallingCode(at: digits) else {
            // "+4" is the start of a country calling code rather than a wrong one.
            let incomplete = assignedCountryCallingCodes.contains { $0.count > digits.count && $0.hasPrefix(digits) }
            throw incomplete ? .tooShort : .unknownCountryCode
        }
        let nationalNumber = String(digits.dropFirst(countryCallingCode.count))
        let region = PhoneRegion.main(forCountryCallingCode: countryCallingCode)
        return try e164(countryCallingCode: countryCallingCode, nationalNumber: nationalNumber, region: region)
    }

    /// The assigned country calling code `digits` starts with. Country calling codes form a
    /// prefix code (no assigned code is the start of another), so at most one length matches.
    private static func countryCallingCode(at digits: String) -> String? {
        for length in 1...3 where digits.count >= length {
            let candidate = String(digits.prefix(length))
            if assignedCountryCallingCodes.contains(candidate) { return candidate }
        }
        return nil
    }

    // MARK: - Validation

    private static func e164(
        countryCallingCode: String, nationalNumber: String, region: PhoneRegion?
    ) throws(PhoneNumberError) -> String {
        var nationalNumber = nationalNumber
        if let region {
            // Also for international input, where people write "+44 (0)20 …".
            nationalNumber = strippingNationalPrefix(nationalNumber, region: region)
        }
        let length = nationalNumber.count
        if countryCallingCode.count + length > maximumE164Digits { throw .tooLong }

        if let region {
            if region.trunkPrefix == "0", nationalNumber.first == "0" {
                // Where 0 is the trunk prefix no national number starts with it ("+44 00…").
                throw .invalidNationalNumber
            }
            if !region.allows(nationalLength: length) {
                let lengths = region.nationalNumberLengths
                if length < lengths.min() ?? 0 { throw .tooShort }
                if length > lengths.max() ?? Int.max { throw .tooLong }
                throw .invalidNationalNumber
            }
            if countryCallingCode == "1" {
                try validateNANP(nationalNumber)
            }
        } else {
            if length < 4 { throw .tooShort }
            if length > 14 { throw .tooLong }
        }
        return "+" + countryCallingCode + nationalNumber
    }

    /// `nationalNumber` without a leading trunk (or legacy) prefix.
    ///
    /// A trunk prefix `0` is always dropped: no national number starts with it, and dropping
    /// it lets the length check say "too short" for a number missing a digit. Other prefixes
    /// are only dropped if what remains has a length the region allows, because they can be
    /// the first digit of a number: Russian `800…` numbers start with the trunk prefix `8`,
    /// and `1 415 555 0100` loses its NANP trunk `1` only because ten digits remain.
    private static func strippingNationalPrefix(_ nationalNumber: String, region: PhoneRegion) -> String {
        for prefix in region.nationalPrefixes where nationalNumber.hasPrefix(prefix) {
            let rest = nationalNumber.dropFirst(prefix.count)
            if region.allows(nationalLength: rest.count) || prefix == "0" && region.trunkPrefix == "0" {
                return String(rest)
            }
        }
        return nationalNumber
    }

    /// NANP numbers are NXX-NXX-XXXX: neither the area code nor the exchange starts with 0 or
    /// 1 (those digits are the operator and the trunk prefix).
    private static func validateNANP(_ nationalNumber: String) throws(PhoneNumberError) {
        let digits = Array(nationalNumber.utf8)
        guard digits.count == 10, digits[0] >= UInt8(ascii: "2"), digits[3] >= UInt8(ascii: "2") else {
            throw .invalidNationalNumber
        }
    }

    /// E.164 allows at most 15 digits, country calling code included.
    static let maximumE164Digits = 15

    /// Country calling codes assigned by ITU-T (list of E.164 assigned country codes),
    /// including the non-geographic ones that carry real subscriber numbers (800 freephone,
    /// 808 shared cost, 870 Inmarsat, 878 UPT, 881 satellite, 882/883 international networks,
    /// 888 OCHA, 979 premium rate). Spare, reserved and trial codes (for example 259, 379,
    /// 388, 991, 999) are left out so that numbers using them fail fast.
    static let assignedCountryCallingCodes: Set<String> = {
        var codes: Set<String> = ["1", "7"]
        codes.formUnion(
            [
                20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
                51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
                81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
            ].map(String.init))
        let threeDigit: [ClosedRange<Int>] = [
            211...213, 216...216, 218...218, 220...258, 260...269, 290...291, 297...299,
            350...359, 370...378, 380...383, 385...387, 389...389,
            420...421, 423...423,
            500...509, 590...599,
            670...670, 672...683, 685...692,
            800...800, 808...808, 850...850, 852...853, 855...856,
            870...870, 878...878, 880...883, 886...886, 888...888,
            960...968, 970...977, 979...979,
            992...998,
        ]
        // 997 was assigned to Kazakhstan in 2023 and is kept, although +7 is still in use there.
        codes.formUnion(threeDigit.flatMap { $0 }.map(String.init))
        return codes
    }()
}
