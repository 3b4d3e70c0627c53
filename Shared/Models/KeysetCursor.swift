public import Foundation

/// An opaque keyset-pagination cursor: the (time, id) of the last item of a page, which the
/// next page's query continues after (`(time, id) > (cursor)` in the list's order).
///
/// The time is kept in whole microseconds, PostgreSQL's precision, so the comparison in
/// SQL sees exactly the stored value. The encoding is URL-safe base64 of
/// `"<microseconds>|<uuid>"`; a client treats it as an opaque string.
public struct KeysetCursor: Sendable, Equatable {
    /// Microseconds since 1970 of the last item's sort time.
    public var microseconds: Int64
    public var id: UUID

    public init(microseconds: Int64, id: UUID) {
        self.microseconds = microseconds
        self.id = id
    }

    public init(at date: Date, id: UUID) {
        self.init(microseconds: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
    }

    /// The sort time of the last item.
    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    public var encoded: String {
        Data("\(microseconds)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Parses a cursor; nil when it is not one of ours.
    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(microseconds: micros, id: id)
    }
}
