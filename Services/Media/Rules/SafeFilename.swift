/// The file name of a download (`Content-Disposition: attachment`): never the sender's
/// name as given. Only its last path component survives, reduced to ASCII letters,
/// digits, `-`, `_` and `.` (anything else becomes `_`), without leading dots, at most 80
/// characters, and with the extension of the *sniffed* type (a `.exe` that is really a
/// JPEG downloads as `.jpg`). Without a usable name: `media-<first 8 of the id>.<ext>`.
enum SafeFilename {
    static let maxBaseLength = 80

    static func make(original: String?, mediaID: String, type: MediaType) -> String {
        var base = ""
        if let original {
            let lastComponent = original.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
            var cleaned = ""
            var previousWasUnderscore = false
            for scalar in lastComponent.unicodeScalars {
                let keep =
                    scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || scalar == "-" || scalar == "_" || scalar == ".")
                if keep {
                    cleaned.unicodeScalars.append(scalar)
                    previousWasUnderscore = scalar == "_"
                } else if !previousWasUnderscore {
                    cleaned.append("_")
                    previousWasUnderscore = true
                }
            }
            // Drop the sender's extension (it may lie), then leading dots and separators.
            if let dot = cleaned.lastIndex(of: "."), dot != cleaned.startIndex { cleaned = String(cleaned[..<dot]) }
            while let first = cleaned.first, first == "." || first == "_" || first == "-" { cleaned.removeFirst() }
            while let last = cleaned.last, last == "." || last == "_" || last == "-" { cleaned.removeLast() }
            base = String(cleaned.prefix(maxBaseLength))
            while base.hasSuffix(".") { base.removeLast() }
        }
        if base.isEmpty { base = "media-" + String(mediaID.prefix(8)) }
        return "\(base).\(type.fileExtension)"
    }

    /// `attachment; filename="<name>"` (the name holds no quote, backslash or non-ASCII).
    static func contentDisposition(_ filename: String) -> String {
        "attachment; filename=\"\(filename)\""
    }
}
