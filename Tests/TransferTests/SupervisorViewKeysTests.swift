import Foundation
import SwitchboardTestSupport
import Testing

@testable import Transfer

/// The supervisor views (schemas `AgentStatus`, `QueueStatus` and their pages) write every
/// key, `null` when unset (`EncodedKeysAudit`).
@Suite("Supervisor views write every key")
struct SupervisorViewKeysTests {
    func expectComplete(_ audit: EncodedKeysAudit, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(audit.missing == [], sourceLocation: sourceLocation)
        #expect(audit.unexpected == [], sourceLocation: sourceLocation)
    }

    let agent = AgentStatusView(
        id: "kate", name: "Kate Lewis", queues: ["sales"], capacity: ["sms": 5], presence: ["sms": "ready"], load: ["sms": 2],
        offersPending: 1, spareCapacity: ["sms": 2])

    @Test func agentStatus() throws {
        let audit = try EncodedKeysAudit(of: agent)
        expectComplete(audit)
        #expect(audit.keys == ["capacity", "id", "load", "name", "offers_pending", "presence", "queues", "spare_capacity"])
    }

    @Test func unregisteredQueueHasANullName() throws {
        let audit = try EncodedKeysAudit(
            of: QueueStatusView(id: "sales", name: nil, waiting: 3, offered: 1, longestWaitSeconds: 42, agents: 2, agentsReady: 1))
        expectComplete(audit)
        #expect(audit.nullKeys == ["name"])
        #expect(audit.keys == ["agents", "agents_ready", "id", "longest_wait_seconds", "name", "offered", "waiting"])
    }

    @Test func lastPageHasANullNext() throws {
        let audit = try EncodedKeysAudit(of: ListPage(items: [agent], next: nil))
        expectComplete(audit)
        #expect(audit.nullKeys == ["next"])
        expectComplete(try EncodedKeysAudit(of: ListPage(items: [agent], next: DirectoryCursor(after: "kate").encoded)))
    }
}
