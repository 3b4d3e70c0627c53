import Testing

@testable import SwitchboardModels

/// One input, the region it is read in, and the E.164 result it must give.
struct PhoneNormalizationCase: Sendable, CustomTestStringConvertible {
    let raw: String
    let region: String
    let expected: String

    init(_ raw: String, _ region: String, _ expected: String) {
        self.raw = raw
        self.region = region
        self.expected = expected
    }

    var testDescription: String { "\(raw) [\(region)]" }
}

/// One input, the region it is read in, and the error it must give.
struct PhoneRejectionCase: Sendable, CustomTestStringConvertible {
    let raw: String
    let region: String
    let error: PhoneNumberError

    init(_ raw: String, _ region: String, _ error: PhoneNumberError) {
        self.raw = raw
        self.region = region
        self.error = error
    }

    var testDescription: String { "\(raw.debugDescription) [\(region)] → \(error)" }
}

@Suite("PhoneNumberNormalizer")
struct PhoneNumberNormalizerTests {
    let normalizer = PhoneNumberNormalizer()

    static let valid: [PhoneNormalizationCase] = [
        // NANP, national formats and the trunk prefix 1.
        .init("(415) 555-0100", "US", "+14155550100"),
        .init("415.555.0100", "US", "+14155550100"),
        .init("415-555-0100", "us", "+14155550100"),
        .init("1 415 555 0100", "US", "+14155550100"),
        .init("1-415-555-0100", "CA", "+14155550100"),
        .init("+1 415-555-0100", "US", "+14155550100"),
        .init("+1 (415) 555-0100", "GB", "+14155550100"),
        .init("  tel:+1-415-555-0100 ", "US", "+14155550100"),
        .init("(787) 555-0100", "PR", "+17875550100"),
        // International prefixes: the region's own, then 00.
        .init("011 44 20 7946 0958", "US", "+442079460958"),
        .init("00 44 20 7946 0958", "US", "+442079460958"),
        .init("00 33 6 12 34 56 78", "FR", "+33612345678"),
        .init("00 33 6 12 34 56 78", "DE", "+33612345678"),
        .init("0011 44 20 7946 0958", "AU", "+442079460958"),
        .init("810 44 20 7946 0958", "RU", "+442079460958"),
        // United Kingdom.
        .init("020 7946 0958", "GB", "+442079460958"),
        .init("07700 900123", "GB", "+447700900123"),
        .init("07700\u{00A0}900123", "GB", "+447700900123"),
        .init("+44 (0)20 7946 0958", "US", "+442079460958"),
        .init("0800 1111", "GB", "+448001111"),
        // Europe.
        .init("030 123456", "DE", "+4930123456"),
        .init("0171 1234567", "DE", "+491711234567"),
        .init("06 12 34 56 78", "FR", "+33612345678"),
        .init("06\u{202F}12\u{202F}34\u{202F}56\u{202F}78", "FR", "+33612345678"),
        .init("06 6982 1234", "IT", "+390669821234"),
        .init("+39 06 6982 1234", "US", "+390669821234"),
        .init("612 34 56 78", "ES", "+34612345678"),
        .init("06-12345678", "NL", "+31612345678"),
        .init("044 668 18 00", "CH", "+41446681800"),
        .init("32 12 34 56", "DK", "+4532123456"),
        .init("8 (495) 123-45-67", "RU", "+74951234567"),
        .init("8 800 123 4567", "RU", "+78001234567"),
        .init("800 123 4567", "RU", "+78001234567"),
        // Elsewhere.
        .init("090-1234-5678", "JP", "+819012345678"),
        .init("0412 345 678", "AU", "+61412345678"),
        .init("98765 43210", "IN", "+919876543210"),
        .init("(11) 91234-5678", "BR", "+5511912345678"),
        .init("55 1234 5678", "MX", "+525512345678"),
        .init("+52 1 55 1234 5678", "US", "+525512345678"),
        .init("044 55 1234 5678", "MX", "+525512345678"),
        // Non-ASCII digits and separators.
        .init("０９０－１２３４－５６７８", "JP", "+819012345678"),
        .init("＋４４ ２０ ７９４６ ０９５８", "US", "+442079460958"),
        .init("٠٥٠ ١٢٣ ٤٥٦٧", "AE", "+971501234567"),
        .init("۰۳۰۰ ۱۲۳۴۵۶۷", "PK", "+923001234567"),
        // Country calling codes without region data: only the 4…14 digit rule.
        .init("+30 21 0123 4567", "GB", "+302101234567"),
        .init("+800 1234 5678", "US", "+80012345678"),
    ]

    @Test("normalises to E.164", arguments: valid)
    func normalizes(_ testCase: PhoneNormalizationCase) throws {
        #expect(try normalizer.normalize(testCase.raw, defaultRegion: testCase.region) == testCase.expected)
    }

    static let invalid: [PhoneRejectionCase] = [
        .init("", "US", .empty),
        .init("   ", "US", .empty),
        .init("tel:", "US", .empty),
        .init("( ) -", "US", .empty),
        .init("415-555-CALL", "US", .invalidCharacters),
        .init("abc", "GB", .invalidCharacters),
        .init("415 555 0100 ext 12", "US", .invalidCharacters),
        .init("415_555_0100", "US", .invalidCharacters),
        .init("415 555 0100 +1", "US", .invalidCharacters),
        .init("++44 20 7946 0958", "US", .invalidCharacters),
        .init("415\t555 0100", "US", .invalidCharacters),
        .init("+999 1234", "US", .unknownCountryCode),
        .init("+0 415 555 0100", "US", .unknownCountryCode),
        .init("+28 1234 5678", "US", .unknownCountryCode),
        .init("+4", "US", .tooShort),
        .init("+1", "US", .tooShort),
        .init("555 0100", "US", .tooShort),
        .init("+44 20 7946 0958 12345", "US", .tooLong),
        .init("+1 415 555 0100 1", "US", .tooLong),
        .init("+33 6 12 34 56 78 9", "US", .tooLong),
        .init("0612 34 56 789", "FR", .tooLong),
        .init("+1 015 555 0100", "US", .invalidNationalNumber),
        .init("+1 415 155 0100", "US", .invalidNationalNumber),
        .init("(115) 555-0100", "US", .invalidNationalNumber),
        .init("020 7946 09", "GB", .invalidNationalNumber),
        .init("+44 00 20 7946 0958", "US", .invalidNationalNumber),
        .init("020 794", "GB", .tooShort),
        .init("06 12 34 56", "FR", .tooShort),
        .init("+1 415 555 0100", "XX", .unknownRegion("XX")),
        .init("020 7946 0958", "", .unknownRegion("")),
        .init("", "XX", .unknownRegion("XX")),
    ]

    @Test("rejects invalid input", arguments: invalid)
    func rejects(_ testCase: PhoneRejectionCase) {
        let error = #expect(throws: PhoneNumberError.self) {
            try normalizer.normalize(testCase.raw, defaultRegion: testCase.region)
        }
        #expect(error == testCase.error)
        // Descriptions end up in API errors and dead-letter reasons: no number in them.
        let digits = String(testCase.raw.filter { ("0"..."9").contains($0) })
        if let error, digits.count >= 3 {
            #expect(!error.description.contains(digits))
        }
    }

    @Test("accepts short codes only as addresses", arguments: ["74000", "123", "12345678", " 74000 "])
    func shortCodes(_ raw: String) throws {
        let expected = raw.filter { $0 != " " }
        #expect(try normalizer.normalizeAddress(raw, defaultRegion: "US") == expected)
        #expect(try normalizer.normalizeAddress(raw, defaultRegion: "DE") == expected)
        #expect(throws: PhoneNumberError.self) { try normalizer.normalize(raw, defaultRegion: "US") }
    }

    @Test(
        "normalises full numbers as addresses",
        arguments: [
            PhoneNormalizationCase("+1 415-555-0100", "US", "+14155550100"),
            PhoneNormalizationCase("(415) 555-0100", "US", "+14155550100"),
            PhoneNormalizationCase("07700 900123", "GB", "+447700900123"),
            PhoneNormalizationCase("7400 0", "DE", "+4974000"),
        ])
    func addresses(_ testCase: PhoneNormalizationCase) throws {
        #expect(try normalizer.normalizeAddress(testCase.raw, defaultRegion: testCase.region) == testCase.expected)
    }

    @Test(
        "rejects what is neither a number nor a short code",
        arguments: [
            PhoneRejectionCase("12", "US", .tooShort),
            PhoneRejectionCase("+74000", "US", .tooShort),
            PhoneRejectionCase("07400", "US", .tooShort),
            PhoneRejectionCase("74000", "XX", .unknownRegion("XX")),
            PhoneRejectionCase("SHORT", "US", .invalidCharacters),
            PhoneRejectionCase("", "US", .empty),
        ])
    func rejectsAddresses(_ testCase: PhoneRejectionCase) {
        #expect(throws: testCase.error) {
            try normalizer.normalizeAddress(testCase.raw, defaultRegion: testCase.region)
        }
    }

    @Test("error descriptions are readable and never echo a number given as region")
    func descriptionsHideNumbers() {
        let errors: [PhoneNumberError] = [
            .empty, .invalidCharacters, .unknownRegion("XX"), .unknownCountryCode, .tooShort, .tooLong,
            .invalidNationalNumber,
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
        }
        #expect(PhoneNumberError.unknownRegion("XX").description.contains("'XX'"))
        #expect(!PhoneNumberError.unknownRegion("+14155550100").description.contains("415"))
    }

    @Test("regions are looked up case-insensitively, with NANP aliases")
    func regions() throws {
        let gb = try #require(PhoneRegion.named("gb"))
        #expect(gb.countryCallingCode == "44")
        #expect(gb.trunkPrefix == "0")
        #expect(PhoneRegion.named("IT")?.trunkPrefix == nil)
        #expect(PhoneRegion.named("RU")?.trunkPrefix == "8")
        for code in ["US", "CA", "PR", "JM", "GU"] {
            #expect(PhoneRegion.named(code)?.countryCallingCode == "1")
            #expect(PhoneRegion.named(code)?.internationalPrefix == "011")
            #expect(PhoneRegion.named(code)?.nationalNumberLengths == [10])
        }
        #expect(PhoneRegion.named("XX") == nil)
        #expect(PhoneRegion.named("") == nil)
    }

    @Test("region table is consistent")
    func regionTable() {
        let codes = PhoneRegion.all.map(\.code)
        #expect(Set(codes).count == codes.count)
        for region in PhoneRegion.all {
            #expect(region.code.count == 2)
            #expect(PhoneNumberNormalizer.assignedCountryCallingCodes.contains(region.countryCallingCode))
            #expect(!region.nationalNumberLengths.isEmpty)
            #expect(
                region.nationalNumberLengths.allSatisfy {
                    $0 + region.countryCallingCode.count <= PhoneNumberNormalizer.maximumE164Digits
                })
        }
        let required = [
            "US", "CA", "GB", "IE", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "PL", "PT",
            "CZ", "RU", "UA", "TR", "IN", "PK", "BD", "CN", "JP", "KR", "AU", "NZ", "SG", "HK", "MY", "PH", "ID", "TH",
            "VN", "AE", "SA", "IL", "EG", "ZA", "NG", "KE", "MX", "BR", "AR", "CL", "CO", "PE",
        ]
        for code in required {
            #expect(PhoneRegion.named(code) != nil, "missing \(code)")
        }
    }

    @Test("country calling codes form a prefix code")
    func countryCallingCodesArePrefixFree() {
        let codes = PhoneNumberNormalizer.assignedCountryCallingCodes
        for code in codes {
            #expect(!codes.contains { $0 != code && $0.hasPrefix(code) }, "\(code) is a prefix of another code")
        }
        #expect(!codes.contains("999"))
        #expect(codes.contains("44") && codes.contains("1") && codes.contains("380") && codes.contains("883"))
    }
}
