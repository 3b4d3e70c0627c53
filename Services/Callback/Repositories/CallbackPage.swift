import SwitchboardModels

/// A page of callbacks: `{"items": [...], "next": "<cursor>" | null}` (docs/architecture.md section 3).
struct CallbackPage: Encodable, Sendable, Equatable {
    var items: [CallbackView]
    @ExplicitNull var next: String?

    private enum CodingKeys: String, CodingKey {
        case items, next
    }
}
