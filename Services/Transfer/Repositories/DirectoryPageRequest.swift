import Foundation

/// Which page of a supervisor list to read: the items after `after` (an id; nil for the
/// first page), at most `limit` of them, in id order.
struct DirectoryPageRequest: Sendable, Equatable {
    static let defaultLimit = 50
    static let maxLimit = 200

    var after: String?
    var limit: Int

    init(after: String? = nil, limit: Int = Self.defaultLimit) {
        self.after = after
        self.limit = limit
    }
}
