/// A page of callbacks: `{"items": [...], "next": "<cursor>" | null}` (DESIGN.md section 3).
struct CallbackPage: Encodable, Sendable, Equatable {
    var items: [CallbackView]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }

    private enum CodingKeys: String, CodingKey {
        case items, next
    }
}
