import Foundation

/// An opaque keyset-pagination cursor: the (time, id) of the last item returned (a
/// contact's creation time for searches, an interaction's for histories).
struct ContactCursor: Sendable, Equatable {
    var microseconds: Int64
    var id: UUID

    init(microseconds: Int64, id: UUID) {
        self.microseconds = microseconds
        self.id = id
    }

    init(at date: Date, id: UUID) {
        self.init(microseconds: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
    }

    var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    var encoded: String {
        Data("\(microseconds)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Nil when it is not one of ours.
    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(microseconds: micros, id: id)
    }
}
