/// The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, which decide
/// whether a text can be sent as GSM-7 and how many septets it takes.
///
/// Only characters in these tables can be sent in GSM-7; one character outside them forces
/// the whole message into UCS-2, which fits less than half as much text per part. The tables
/// are exact, not approximations: lowercase `ç`, for example, is not in the alphabet (only
/// `Ç` is), and treating it as GSM-7 would make the counter promise 160 characters where the
/// carrier sends 70. Lookups work on Unicode scalars, never on `Character`s, because a
/// `Character` can hold several scalars (`"\r\n"` is one `Character` but two septets).
public enum GSM7Alphabet: Sendable {
    /// The escape code of the basic table, which announces a character of the extension table.
    public static let escapeCode: UInt8 = 0x1B

    /// The basic table indexed by its 7-bit code: 128 entries, `nil` at ``escapeCode``, which
    /// is no character of its own. Each of these characters takes one septet.
    public static let basicTable: [Unicode.Scalar?] = {
        let rows = [
            "@£$¥èéùìòÇ\nØø\rÅå",
            "\u{0394}_\u{03A6}\u{0393}\u{039B}\u{03A9}\u{03A0}\u{03A8}\u{03A3}\u{0398}\u{039E}\u{1B}ÆæßÉ",
            " !\"#¤%&'()*+,-./",
            "0123456789:;<=>?",
            "¡ABCDEFGHIJKLMNO",
            "PQRSTUVWXYZÄÖÑÜ§",
            "¿abcdefghijklmno",
            "pqrstuvwxyzäöñüà",
        ]
        return rows.flatMap { row in
            row.unicodeScalars.map { $0.value == UInt32(escapeCode) ? nil : $0 }
        }
    }()

    /// The extension table by the code that follows the escape: each of these characters
    /// takes two septets (escape plus code), so `€` counts double towards the limits.
    public static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{000C}",  // form feed (page break)
        0x14: "^",
        0x28: "{",
        0x29: "}",
        0x2F: "\\",
        0x3C: "[",
        0x3D: "~",
        0x3E: "]",
        0x40: "|",
        0x65: "€",
    ]

    /// Septets per encodable scalar, built once from the two tables.
    private static let septetsByScalar: [Unicode.Scalar: Int] = {
        var result: [Unicode.Scalar: Int] = [:]
        for case let scalar? in basicTable { result[scalar] = 1 }
        for scalar in extensionTable.values { result[scalar] = 2 }
        return result
    }()

    /// The septets `scalar` takes in GSM-7: 1 for the basic table, 2 for the extension table,
    /// `nil` when it cannot be sent in GSM-7 at all.
    public static func septets(for scalar: Unicode.Scalar) -> Int? {
        septetsByScalar[scalar]
    }

    /// Whether `scalar` can be sent in GSM-7 (basic or extension table).
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        septetsByScalar[scalar] != nil
    }

    /// Whether `scalar` is in the extension table and so takes two septets.
    public static func isExtension(_ scalar: Unicode.Scalar) -> Bool {
        septetsByScalar[scalar] == 2
    }

    /// Whether every scalar of `text` can be sent in GSM-7. True for the empty text.
    public static func canEncode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { septetsByScalar[$0] != nil }
    }

    /// The septets `text` takes in GSM-7, or `nil` when it cannot be sent in GSM-7.
    public static func septetCount(of text: String) -> Int? {
        var total = 0
        for scalar in text.unicodeScalars {
            guard let septets = septetsByScalar[scalar] else { return nil }
            total += septets
        }
        return total
    }
}
