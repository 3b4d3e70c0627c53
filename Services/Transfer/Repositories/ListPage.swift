import Foundation
import SwitchboardModels

/// A page of a paged list: `{"items": [...], "next": "<cursor>" | null}`; pass `next` back as
/// `cursor` for the following page. The bounded lists of this service use ``ItemList``.
struct ListPage<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    @ExplicitNull var next: String?
}
