import Foundation
import Hummingbird
import SwitchboardServiceKit
import Testing

@testable import Session

/// The query of `GET /v1/interactions` (``InteractionQuery``), in particular what a
/// supervisor's view of a queue sends (`queue`, `state`; docs/architecture.md section 10.3).
/// What the filter then selects, and for whom, is IntegrationTests'
/// (`SessionInteractionListIntegrationTests`).
@Suite("Interaction list query")
struct InteractionQueryTests {
    let query = InteractionQuery(defaultRegion: "US")

    func filter(_ pairs: [(String, String)], caller: String = "kate") throws(APIError) -> InteractionFilter {
        try query.filter(from: Parameters(pairs.map { (key: Substring($0.0), value: Substring($0.1)) }), callerID: caller)
    }

    /// `offered` included whether or not any interaction is in it yet.
    @Test(arguments: ["queued", "offered", "active", "closed", "open"])
    func everyStateIsAFilterValue(state: String) throws {
        #expect(try filter([("state", state)]).state == state)
    }

    @Test func queueAndStateCombine() throws {
        let parsed = try filter([("queue", "sales.west_2"), ("state", "queued"), ("owner", "me"), ("limit", "20")])
        #expect(parsed.queue == "sales.west_2")
        #expect(parsed.state == "queued")
        #expect(parsed.ownerID == "kate")
        #expect(parsed.limit == 20)
        #expect(parsed.visibleTo == nil, "visibility is the route's to set, from the caller's roles")
    }

    @Test func anEmptyQueueIsNoFilter() throws {
        #expect(try filter([("queue", "")]).queue == nil)
        #expect(try filter([]).queue == nil)
    }

    @Test(arguments: [
        ("queue", "sales west", "queue must be a queue id"),
        ("queue", "sales@west", "queue must be a queue id"),
        ("queue", String(repeating: "q", count: 65), "queue must be a queue id"),
        ("state", "waiting", "state must be one of queued, offered, active, closed, open"),
        ("state", "OPEN", "state must be one of"),
        ("limit", "0", "limit must be 1 to 200"),
        ("cursor", "bm9wZQ", "cursor is not valid"),
    ])
    func aBadValueIs422NamingTheParameter(name: String, value: String, detail: String) {
        do {
            _ = try filter([(name, value)])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.status == .unprocessableContent)
            #expect(error.code == "invalid_request")
            #expect(error.detail?.hasPrefix(detail) == true, "\(error)")
        }
    }
}
