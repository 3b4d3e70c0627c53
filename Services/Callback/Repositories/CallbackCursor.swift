import Foundation

/// An opaque keyset-pagination cursor: the (due_at, id) of the last callback returned.
struct CallbackCursor: Sendable, Equatable {
    var dueAtMicroseconds: Int64
    var id: UUID

    var encoded: String {
        Data("\(dueAtMicroseconds)|\(id.uuidString)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    var dueAt: Date { Date(timeIntervalSince1970: Double(dueAtMicroseconds) / 1_000_000) }

    init(dueAtMicroseconds: Int64, id: UUID) {
        self.dueAtMicroseconds = dueAtMicroseconds
        self.id = id
    }

    /// The cursor after `view`.
    init?(after view: CallbackView) {
        guard let id = UUID(uuidString: view.id) else { return nil }
        self.init(dueAtMicroseconds: Int64((view.dueAt.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
    }

    /// Parses a cursor; nil when it is not one of ours.
    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(dueAtMicroseconds: micros, id: id)
    }
}
