/// How a text will be split into SMS parts when it is sent, as shown by the desktop's
/// composer ("2 messages, 87 characters remaining") and used by the sender to submit parts.
///
/// Computing this once, on the server, keeps the counter agents see and the parts the carrier
/// receives in agreement: a composer that counted differently from the sender would let a
/// message that "fits" be billed as two.
///
/// Encoded with ``SwitchboardJSON`` the keys are `encoding`, `parts` and
/// `characters_remaining`.
public struct SMSSegmentation: Sendable, Equatable, Codable {
    /// The encoding the whole message is sent in; a single character outside GSM-7 makes it
    /// ``SMSEncoding/ucs2``.
    public let encoding: SMSEncoding
    /// The text of each part, in order. Joining them gives back the original text exactly
    /// (no whitespace is added or dropped), so parts can be reassembled or stored without
    /// loss. Empty for an empty text.
    public let parts: [String]
    /// How many more characters of the same encoding fit in the last part before another
    /// part is needed: septets for GSM-7 (an extension character such as `€` uses two), UTF-16
    /// code units for UCS-2 (an emoji usually uses two). It is measured against the
    /// single-message limit (160 or 70) while the text is one part and against the
    /// concatenated limit (153 or 67) once it has several. Typing a character of the other
    /// encoding can change the encoding, so this is not a promise for arbitrary input.
    public let charactersRemaining: Int

    public init(encoding: SMSEncoding, parts: [String], charactersRemaining: Int) {
        self.encoding = encoding
        self.parts = parts
        self.charactersRemaining = charactersRemaining
    }
}
