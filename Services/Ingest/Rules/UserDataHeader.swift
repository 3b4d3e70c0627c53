/// The concatenation information element of an SMS User Data Header (3GPP TS 23.040
/// 9.2.3.24): IEI `0x00` (8-bit reference: ref, total, seq) or `0x08` (16-bit reference:
/// ref high, ref low, total, seq). Other elements are skipped.
enum UserDataHeader {
    struct Concatenation: Sendable, Equatable {
        var ref: Int
        var total: Int
        var seq: Int
    }

    /// The concatenation of a whole UDH (its first byte is the header length, UDHL), or nil
    /// when it has none or the header is malformed.
    static func concatenation(_ udh: [UInt8]) -> Concatenation? {
        guard let length = udh.first, length > 0, udh.count >= Int(length) + 1 else { return nil }
        var index = 1
        let end = Int(length) + 1
        while index + 1 < end {
            let iei = udh[index]
            let size = Int(udh[index + 1])
            let start = index + 2
            guard start + size <= end else { return nil }
            let data = udh[start..<(start + size)]
            switch (iei, size) {
            case (0x00, 3):
                let bytes = Array(data)
                return valid(Concatenation(ref: Int(bytes[0]), total: Int(bytes[1]), seq: Int(bytes[2])))
            case (0x08, 4):
                let bytes = Array(data)
                return valid(Concatenation(ref: Int(bytes[0]) << 8 | Int(bytes[1]), total: Int(bytes[2]), seq: Int(bytes[3])))
            default:
                index = start + size
            }
        }
        return nil
    }

    private static func valid(_ value: Concatenation) -> Concatenation? {
        value.total >= 1 && value.seq >= 1 && value.seq <= value.total ? value : nil
    }
}
