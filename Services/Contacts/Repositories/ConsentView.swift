import Foundation
import Logging
import PostgresNIO

/// `GET /v1/consent/{e164}` (docs/architecture.md section 3).
struct ConsentView: Encodable, Sendable, Equatable {
    struct Entry: Encodable, Sendable, Equatable {
        var orgNumber: String
        var keyword: String
        var action: ConsentAction
        var at: Date
    }

    var number: String
    /// Opted out when opted out of at least one organisation number.
    var state: ConsentState
    var byOrgNumber: [String: ConsentState]
    /// Oldest first.
    var history: [Entry]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(state, forKey: .state)
        // Dictionary keys (organisation numbers) are written as they are.
        try container.encode(byOrgNumber, forKey: .byOrgNumber)
        try container.encode(history, forKey: .history)
    }

    enum CodingKeys: String, CodingKey { case number, state, byOrgNumber, history }
}
