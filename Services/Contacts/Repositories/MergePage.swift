import Foundation
import SwitchboardModels

/// A page of merge records (`GET /v1/merges`), newest first.
struct MergePage: Encodable, Sendable {
    var items: [MergeView]
    @ExplicitNull var next: String?

    enum CodingKeys: String, CodingKey { case items, next }
}
