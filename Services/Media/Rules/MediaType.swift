/// The media types the service stores, recognised by their magic bytes only (issue #7):
/// the sender's `content_type_hint` and file name are never trusted. Bytes that are none
/// of these are refused.
enum MediaType: String, Sendable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case gif = "image/gif"
    case webp = "image/webp"
    case heic = "image/heic"
    case heif = "image/heif"
    case bmp = "image/bmp"
    case tiff = "image/tiff"
    case mp4 = "video/mp4"
    case threeGPP = "video/3gpp"
    case amr = "audio/amr"
    case mp3 = "audio/mpeg"
    case vcard = "text/vcard"
    case pdf = "application/pdf"

    /// Images get a thumbnail (when libvips has a trusted loader for them) and dimensions.
    var isImage: Bool {
        switch self {
        case .jpeg, .png, .gif, .webp, .heic, .heif, .bmp, .tiff: true
        default: false
        }
    }

    var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .gif: "gif"
        case .webp: "webp"
        case .heic: "heic"
        case .heif: "heif"
        case .bmp: "bmp"
        case .tiff: "tiff"
        case .mp4: "mp4"
        case .threeGPP: "3gp"
        case .amr: "amr"
        case .mp3: "mp3"
        case .vcard: "vcf"
        case .pdf: "pdf"
        }
    }

    /// The type of `bytes` by their first bytes, or nil when it is none the service stores.
    static func sniff(_ bytes: [UInt8]) -> MediaType? {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

        if starts(with: [0xff, 0xd8, 0xff]) { return .jpeg }
        if starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) { return .png }
        if starts(with: ascii("GIF87a")) || starts(with: ascii("GIF89a")) { return .gif }
        if starts(with: ascii("RIFF")), starts(with: ascii("WEBP"), at: 8) { return .webp }
        if starts(with: ascii("II*\0")) || starts(with: ascii("MM\0*")) { return .tiff }
        if starts(with: ascii("%PDF-")) { return .pdf }
        if starts(with: ascii("#!AMR\n")) || starts(with: ascii("#!AMR-WB\n")) { return .amr }
        if starts(with: ascii("BM")), bytes.count >= 26 {
            // The DIB header's size names one of the known BMP header versions.
            let dibSize = UInt32(bytes[14]) | UInt32(bytes[15]) << 8 | UInt32(bytes[16]) << 16 | UInt32(bytes[17]) << 24
            if [12, 40, 52, 56, 64, 108, 124].contains(dibSize) { return .bmp }
        }
        if starts(with: ascii("ftyp"), at: 4), bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            switch brand {
            case "heic", "heix", "heim", "heis", "hevc", "hevx": return .heic
            case "mif1", "msf1": return .heif
            case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "mmp4", "dash", "f4v ": return .mp4
            default:
                if brand.hasPrefix("3gp") || brand.hasPrefix("3gg") || brand.hasPrefix("3g2") { return .threeGPP }
                return nil
            }
        }
        if starts(with: ascii("ID3")) { return .mp3 }
        if bytes.count >= 4, bytes[0] == 0xff, bytes[1] & 0xe0 == 0xe0 {
            // An MPEG audio frame header: layer III, a valid bitrate and sample rate.
            let version = (bytes[1] >> 3) & 0x03
            let layer = (bytes[1] >> 1) & 0x03
            let bitrate = bytes[2] >> 4
            let sampleRate = (bytes[2] >> 2) & 0x03
            if version != 1, layer == 1, bitrate != 0x0f, bitrate != 0, sampleRate != 3 { return .mp3 }
        }
        if isVCard(bytes) { return .vcard }
        return nil
    }

    /// Text starting with `BEGIN:VCARD` (any case), after an optional UTF-8 byte order mark
    /// and white space.
    private static func isVCard(_ bytes: [UInt8]) -> Bool {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xef, bytes[1] == 0xbb, bytes[2] == 0xbf { start = 3 }
        while start < bytes.count, [0x20, 0x09, 0x0d, 0x0a].contains(bytes[start]) { start += 1 }
        let marker = Array("begin:vcard".utf8)
        guard bytes.count >= start + marker.count else { return false }
        let head = bytes[start..<(start + marker.count)].map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 0x20 : $0 }
        guard head == marker else { return false }
        // Text: no NUL byte in the first kilobyte.
        return !bytes.prefix(1024).contains(0)
    }
}
