import Foundation

/// The keyset cursor of the supervisor lists (`GET /v1/agents`, `GET /v1/queues`): the id of
/// the last item of a page, which the next page continues after (`id > cursor`, in id order).
///
/// ``SwitchboardModels/KeysetCursor`` pairs a time with a UUID; agents and queues have text
/// ids and no time to sort by, so these lists page on the id alone. Encoded as URL-safe
/// base64 like `KeysetCursor`, so that a client treats it as the opaque string it is; a
/// decoded id must be a directory id (``DirectoryRules/isValidID(_:)``), which every agent
/// and queue id is.
struct DirectoryCursor: Sendable, Equatable {
    /// The id of the last item of the previous page.
    var id: String

    init(after id: String) {
        self.id = id
    }

    var encoded: String {
        Data(id.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Parses a cursor; nil when it is not one of ours.
    init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let id = String(data: data, encoding: .utf8), DirectoryRules.isValidID(id) else {
            return nil
        }
        self.init(after: id)
    }
}
