import SwitchboardModels

/// A page of a list: `{"items": [...], "next": "<cursor>" | null}`.
///
/// The views it pages (``InteractionView``, ``TranscriptEntryView`` and theirs) are in
/// `Shared/Models/Views`: session's interaction events carry them too.
struct ListPage<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    @ExplicitNull var next: String?
}
