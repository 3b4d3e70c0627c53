/// The numbering-plan facts ``PhoneNumberNormalizer`` needs about one region: how a number
/// dialled inside the region is turned into E.164, and which national lengths exist.
///
/// Numbers typed by agents and customers are mostly in national format ("020 7946 0958"),
/// so the normaliser needs, per region, the country calling code to prepend, the trunk
/// prefix to drop, the international dialling prefix that marks a number as international,
/// and the national significant number lengths used to reject impossible numbers.
///
/// The data follows Google's libphonenumber metadata (`PhoneNumberMetadata.xml`). Lengths
/// are deliberately permissive: a length table that rejected a real customer number would
/// lose a conversation, while a slightly too wide one only lets a mistyped number through to
/// the carrier, which rejects it. Lengths are never longer than E.164's 15 digits allow.
public struct PhoneRegion: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 code, upper case (for example `GB`).
    public let code: String
    /// E.164 country calling code, digits only (for example `44`). Several regions share a
    /// code (all NANP regions use `1`).
    public let countryCallingCode: String
    /// Digits dialled before the national significant number for calls inside the country
    /// (`0` in most of Europe, `1` in NANP regions, `8` in Russia), or `nil` where the
    /// national number is dialled as is (Italy keeps its leading `0` in E.164).
    public let trunkPrefix: String?
    /// The usual prefix for dialling out of the region (`00`, `011` in NANP regions).
    public let internationalPrefix: String
    /// Possible lengths of the national significant number (after the country code).
    public let nationalNumberLengths: Set<Int>

    /// Further international (carrier selection) prefixes in use besides
    /// ``internationalPrefix``, such as Australia's `0014` or Israel's `012`…`019`.
    let otherInternationalPrefixes: [String]
    /// Prefixes no longer dialled that people still write in front of the national number
    /// and that must be dropped (Mexico's `01`, `044`, `045` and the mobile `1`).
    let legacyNationalPrefixes: [String]

    init(
        _ code: String,
        countryCallingCode: String,
        trunkPrefix: String?,
        internationalPrefix: String,
        otherInternationalPrefixes: [String] = [],
        legacyNationalPrefixes: [String] = [],
        lengths: Set<Int>
    ) {
        self.code = code
        self.countryCallingCode = countryCallingCode
        self.trunkPrefix = trunkPrefix
        self.internationalPrefix = internationalPrefix
        self.otherInternationalPrefixes = otherInternationalPrefixes
        self.legacyNationalPrefixes = legacyNationalPrefixes
        self.nationalNumberLengths = lengths.filter { $0 + countryCallingCode.count <= 15 }
    }

    /// The region for an ISO 3166-1 alpha-2 code, compared case-insensitively, or `nil` if
    /// there is no numbering-plan data for it (so a typo in configuration is detected rather
    /// than silently read as some default).
    public static func named(_ code: String) -> PhoneRegion? {
        byCode[code.uppercased()]
    }

    /// All regions with data, NANP regions included.
    public static let all: [PhoneRegion] = nanp + others

    /// Whether `length` digits can form a national significant number here.
    func allows(nationalLength length: Int) -> Bool {
        nationalNumberLengths.contains(length)
    }

    /// International prefixes, longest first so that `0011` wins over `00`.
    var internationalPrefixes: [String] {
        ([internationalPrefix] + otherInternationalPrefixes).sorted { $0.count > $1.count }
    }

    /// Trunk and legacy prefixes that may precede a national significant number, longest first.
    var nationalPrefixes: [String] {
        ((trunkPrefix.map { [$0] } ?? []) + legacyNationalPrefixes).sorted { $0.count > $1.count }
    }

    /// The region whose numbering data validates numbers with `countryCallingCode`: for a
    /// shared code, the region that owns the plan (`US` for `1`, `RU` for `7`).
    static func main(forCountryCallingCode countryCallingCode: String) -> PhoneRegion? {
        byCallingCode[countryCallingCode]
    }

    private static let byCode: [String: PhoneRegion] = Dictionary(all.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })

    /// First region wins, so `all` lists each plan's main region before its aliases.
    private static let byCallingCode: [String: PhoneRegion] =
        Dictionary(all.map { ($0.countryCallingCode, $0) }, uniquingKeysWith: { first, _ in first })

    /// The North American Numbering Plan: one plan, ten-digit numbers, trunk prefix `1`,
    /// international prefix `011`, shared by the US, Canada and these Caribbean and Pacific
    /// territories. `US` comes first so it is the plan's main region.
    private static let nanp: [PhoneRegion] = [
        "US", "CA", "AG", "AI", "AS", "BB", "BM", "BS", "DM", "DO", "GD", "GU", "JM", "KN", "KY",
        "LC", "MP", "MS", "PR", "SX", "TC", "TT", "VC", "VG", "VI",
    ].map { PhoneRegion($0, countryCallingCode: "1", trunkPrefix: "1", internationalPrefix: "011", lengths: [10]) }

    // Lengths are libphonenumber's possible lengths, widened where its national number
    // pattern allows more (CH, CZ, IT, SE).
    private static let others: [PhoneRegion] = [
        // Europe
        PhoneRegion("GB", countryCallingCode: "44", trunkPrefix: "0", internationalPrefix: "00", lengths: [7, 9, 10]),
        PhoneRegion("IE", countryCallingCode: "353", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(7...10)),
        PhoneRegion("DE", countryCallingCode: "49", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(4...15)),
        PhoneRegion("FR", countryCallingCode: "33", trunkPrefix: "0", internationalPrefix: "00", lengths: [9]),
        PhoneRegion("ES", countryCallingCode: "34", trunkPrefix: nil, internationalPrefix: "00", lengths: [9]),
        PhoneRegion("IT", countryCallingCode: "39", trunkPrefix: nil, internationalPrefix: "00", lengths: Set(6...12)),
        PhoneRegion("NL", countryCallingCode: "31", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(5...11)),
        PhoneRegion("BE", countryCallingCode: "32", trunkPrefix: "0", internationalPrefix: "00", lengths: [8, 9]),
        PhoneRegion("CH", countryCallingCode: "41", trunkPrefix: "0", internationalPrefix: "00", lengths: [9, 12]),
        PhoneRegion("AT", countryCallingCode: "43", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(4...13)),
        PhoneRegion("SE", countryCallingCode: "46", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(6...10).union([12])),
        PhoneRegion("NO", countryCallingCode: "47", trunkPrefix: nil, internationalPrefix: "00", lengths: [5, 8]),
        PhoneRegion("DK", countryCallingCode: "45", trunkPrefix: nil, internationalPrefix: "00", lengths: [8]),
        PhoneRegion(
            "FI", countryCallingCode: "358", trunkPrefix: "0", internationalPrefix: "00",
            otherInternationalPrefixes: [
                "990", "991", "994", "996", "999", "99511", "99541", "99532", "99533", "99555",
                "99559", "99577", "99588", "99590", "99599",
            ],
            lengths: Set(5...12)
        ),
        PhoneRegion("PL", countryCallingCode: "48", trunkPrefix: nil, internationalPrefix: "00", lengths: Set(6...10)),
        PhoneRegion("PT", countryCallingCode: "351", trunkPrefix: nil, internationalPrefix: "00", lengths: [9]),
        PhoneRegion("CZ", countryCallingCode: "420", trunkPrefix: nil, internationalPrefix: "00", lengths: Set(9...12)),
        PhoneRegion("RU", countryCallingCode: "7", trunkPrefix: "8", internationalPrefix: "810", lengths: [10, 14]),
        PhoneRegion("UA", countryCallingCode: "380", trunkPrefix: "0", internationalPrefix: "00", lengths: [9, 10]),
        PhoneRegion("TR", countryCallingCode: "90", trunkPrefix: "0", internationalPrefix: "00", lengths: [7, 10, 12, 13]),

        // Asia and Oceania
        PhoneRegion("IN", countryCallingCode: "91", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(8...13)),
        PhoneRegion("PK", countryCallingCode: "92", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(8...12)),
        PhoneRegion("BD", countryCallingCode: "880", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(6...10)),
        PhoneRegion("CN", countryCallingCode: "86", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(7...12)),
        PhoneRegion("JP", countryCallingCode: "81", trunkPrefix: "0", internationalPrefix: "010", lengths: Set(8...17)),
        PhoneRegion(
            "KR", countryCallingCode: "82", trunkPrefix: "0", internationalPrefix: "001",
            otherInternationalPrefixes: [
                "002", "005", "006", "008", "009", "00345", "00365", "00391", "00700", "00727",
                "0073", "00755", "00761", "00762", "00766",
            ],
            lengths: Set([5, 6]).union(8...14)
        ),
        PhoneRegion(
            "AU", countryCallingCode: "61", trunkPrefix: "0", internationalPrefix: "0011",
            otherInternationalPrefixes: ["0014", "0015", "0016", "0018", "0019"]
                + ["1411", "1414", "1434", "1441", "1447", "1456", "1466", "1474", "1477", "1488"].map { $0 + "0011" },
            lengths: Set(5...10).union([12])
        ),
        PhoneRegion(
            "NZ", countryCallingCode: "64", trunkPrefix: "0", internationalPrefix: "00",
            otherInternationalPrefixes: ["0161"], lengths: Set(5...10)
        ),
        PhoneRegion(
            "SG", countryCallingCode: "65", trunkPrefix: nil, internationalPrefix: "001",
            otherInternationalPrefixes: (0...39).map { $0 < 10 ? "00\($0)" : "0\($0)" }.filter { $0 != "001" },
            lengths: [8, 10, 11]
        ),
        PhoneRegion(
            "HK", countryCallingCode: "852", trunkPrefix: nil, internationalPrefix: "00",
            otherInternationalPrefixes: ["001", "002", "006", "007", "008", "009", "0030", "0050", "0059"],
            lengths: [5, 6, 7, 8, 9, 11]
        ),
        PhoneRegion("MY", countryCallingCode: "60", trunkPrefix: "0", internationalPrefix: "00", lengths: [8, 9, 10]),
        PhoneRegion("PH", countryCallingCode: "63", trunkPrefix: "0", internationalPrefix: "00", lengths: Set([6]).union(8...13)),
        PhoneRegion(
            "ID", countryCallingCode: "62", trunkPrefix: "0", internationalPrefix: "008",
            otherInternationalPrefixes: ["009"], lengths: Set(7...13)
        ),
        PhoneRegion(
            "TH", countryCallingCode: "66", trunkPrefix: "0", internationalPrefix: "001",
            otherInternationalPrefixes: (2...9).map { "00\($0)" }, lengths: [8, 9, 10, 13]
        ),
        PhoneRegion("VN", countryCallingCode: "84", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(7...10)),

        // Middle East and Africa
        PhoneRegion("AE", countryCallingCode: "971", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(5...12)),
        PhoneRegion("SA", countryCallingCode: "966", trunkPrefix: "0", internationalPrefix: "00", lengths: [9, 10]),
        PhoneRegion(
            "IL", countryCallingCode: "972", trunkPrefix: "0", internationalPrefix: "00",
            otherInternationalPrefixes: (2...9).map { "01\($0)" }, lengths: Set(7...12)
        ),
        PhoneRegion("EG", countryCallingCode: "20", trunkPrefix: "0", internationalPrefix: "00", lengths: [8, 9, 10]),
        PhoneRegion("ZA", countryCallingCode: "27", trunkPrefix: "0", internationalPrefix: "00", lengths: Set(5...10)),
        PhoneRegion("NG", countryCallingCode: "234", trunkPrefix: "0", internationalPrefix: "009", lengths: Set([7, 8]).union(10...14)),
        PhoneRegion("KE", countryCallingCode: "254", trunkPrefix: "0", internationalPrefix: "000", lengths: Set(7...10)),

        // Latin America
        PhoneRegion(
            "MX", countryCallingCode: "52", trunkPrefix: nil, internationalPrefix: "00",
            otherInternationalPrefixes: ["09"], legacyNationalPrefixes: ["01", "02", "044", "045", "1"], lengths: [10]
        ),
        PhoneRegion(
            "BR", countryCallingCode: "55", trunkPrefix: "0", internationalPrefix: "0021",
            otherInternationalPrefixes: [
                "0012", "0014", "0015", "0022", "0023", "0025", "0031", "0041", "0043", "0055",
                "0065", "0099",
            ],
            lengths: Set(8...11)
        ),
        PhoneRegion("AR", countryCallingCode: "54", trunkPrefix: "0", internationalPrefix: "00", lengths: [10, 11]),
        PhoneRegion(
            "CL", countryCallingCode: "56", trunkPrefix: nil, internationalPrefix: "00",
            otherInternationalPrefixes: [
                "110", "111", "112", "113", "114", "115", "116", "119", "120", "122", "123", "124",
                "125", "151", "153", "154", "155", "156", "157", "158", "169", "170", "171", "176",
                "177", "180", "181", "188",
            ].map { $0 + "0" },
            lengths: [9, 10, 11]
        ),
        PhoneRegion(
            "CO", countryCallingCode: "57", trunkPrefix: "0", internationalPrefix: "009",
            otherInternationalPrefixes: ["005", "007", "00414", "00444", "00456"], lengths: [10, 11]
        ),
        PhoneRegion(
            "PE", countryCallingCode: "51", trunkPrefix: "0", internationalPrefix: "00",
            otherInternationalPrefixes: ["191100", "191200", "191400", "197700", "199000"], lengths: [8, 9]
        ),
    ]
}
