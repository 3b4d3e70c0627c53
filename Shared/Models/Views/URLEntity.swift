/// A web address found in a transcript entry, as the desktop should present it.
///
/// The desktop makes addresses clickable without parsing the text itself, and an SMS is a
/// favourite vehicle for phishing, so the entity carries both what the customer sees and
/// what the link really points to. An agent (or the desktop's link handling) should use
/// ``display``, never ``text``: ``text`` may contain look-alike letters, hidden characters
/// or bidirectional controls that make it read as a different address.
public struct URLEntity: Sendable, Codable, Equatable {
    /// The address exactly as it appears in the message, so the desktop can find and
    /// highlight it. It may contain invisible or bidirectional control characters.
    public var text: String
    /// The actual address: scheme (`http://` added for a bare `www.` host), lowercase host
    /// (in Punycode when the Unicode form is deceptive), userinfo kept visible, then port,
    /// path, query and fragment as written. Bidirectional, invisible and other format
    /// characters appear as `<U+202E>`-style markers, never raw.
    public var display: String
    /// Whether the address looks deceptive: its host is shown in Punycode, it has userinfo
    /// (`https://bank.com@evil.example` goes to `evil.example`), a percent-encoded host or a
    /// backslash, it contains hidden characters, or the message contains bidirectional or
    /// invisible control characters anywhere.
    public var suspicious: Bool

    public init(text: String, display: String, suspicious: Bool) {
        self.text = text
        self.display = display
        self.suspicious = suspicious
    }
}
