/// The character set an SMS is sent in, which decides how much text fits in one message.
///
/// Carriers bill and deliver SMS per part, and the size of a part depends on the encoding:
/// GSM-7 packs 160 characters of the GSM 03.38 alphabet into 140 bytes, while any character
/// outside that alphabet (a `ç`, an emoji, Chinese text) forces the whole message into UCS-2,
/// where only 70 UTF-16 code units fit. Agents see the encoding so that they understand why
/// a single emoji can more than double the number of parts a reply costs.
public enum SMSEncoding: String, Sendable, Codable, Equatable {
    /// The GSM 03.38 7-bit default alphabet with its extension table: 160 septets in a single
    /// message, 153 per part of a concatenated one.
    case gsm7
    /// UCS-2 (in practice UTF-16): 70 code units in a single message, 67 per part of a
    /// concatenated one.
    case ucs2
}
