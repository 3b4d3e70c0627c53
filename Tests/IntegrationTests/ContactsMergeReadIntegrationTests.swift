import Foundation
import Logging
import PostgresNIO
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Testing

@testable import Contacts

/// Merges are readable (docs/architecture.md 10.3): `GET /v1/merges?contact_id=` and
/// `GET /v1/merges/{id}` answer what the merge and its undo answered, byte for byte, list
/// a contact's merges from both sides newest first, page without gaps or repeats however
/// many merges share a time, and show nothing of contacts a `DELETE` erased. The HTTP side
/// (roles, 404, 422) is in `ContactsRouterTests` and `test_e2e_contacts.py`.
@Suite("Contacts: merge records read back (real PostgreSQL)", .serialized)
struct ContactsMergeReadIntegrationTests {
    let logger = TestEnvironment.logger
    let store = PostgresContactStore(schema: "contacts")
    let agent = Identity(agentID: "kate", name: "Kate Lewis", roles: [.agent], permissions: [])

    var commands: ContactCommands {
        ContactCommands(
            contacts: store, history: PostgresHistoryStore(schema: "contacts"), outbox: Outbox(schema: "contacts"),
            participants: InteractionParticipants(schema: "contacts"), logger: logger
        )
    }

    @Test func aMergeAndItsUndoReadBackAsTheyAnswered() async throws {
        try await withContacts { client in
            let target = try await create(client, "Kate", phones: 1)
            let first = try await create(client, "K. Lewis", phones: 2)
            let second = try await create(client, "Katie", phones: 1)
            let merged = try await run(client) { try await commands.merge(into: target, source: first, by: agent, traceparent: nil, on: $0) }
            let mergedAgain = try await run(client) {
                try await commands.merge(into: target, source: second, by: agent, traceparent: nil, on: $0)
            }

            #expect(try await store.merge(id: merged.audit.id, client: client, logger: logger) == merged.audit)
            var page = try await list(client, target)
            #expect(try page.items.map(json) == [try json(answer(mergedAgain)), try json(answer(merged))], "newest first")
            #expect(page.next == nil)
            #expect(try await list(client, first).items.map(json) == [try json(answer(merged))], "the source sees it too")

            let undone = try await run(client) { try await commands.undo(merge: mergedAgain.audit.id, by: agent, traceparent: nil, on: $0) }
            let read = try await store.merge(id: mergedAgain.audit.id, client: client, logger: logger)
            #expect(read == undone.audit, "undone_at to the microsecond, and who undid it")
            #expect(try read.map { try json(MergeView(record: $0)) } == (try json(answer(undone))))
            page = try await list(client, target)
            #expect(try page.items.map(json) == [try json(answer(undone)), try json(answer(merged))])
            #expect(try await list(client, second).items.map(json) == [try json(answer(undone))])
            #expect(page.items.first?.source?.id == second.uuidString.lowercased(), "the restored source")

            #expect(try await store.merge(id: UUID(), client: client, logger: logger) == nil)
            #expect(try await list(client, try await create(client, "Nobody", phones: 1)).items.isEmpty)
        }
    }

    /// Three merges into the contact and two of it, four of them at the same time: pages of
    /// two list each once, in (`at`, id) order, newest first.
    @Test func pagesFollowEachOtherWithoutGapsOrRepeats() async throws {
        try await withContacts { client in
            let contact = try await create(client, "Paged", phones: 1)
            var others: [UUID] = []
            for index in 0..<5 { others.append(try await create(client, "Other \(index)", phones: 1)) }
            let snapshots = try await client.withTransaction(logger: logger) { connection in
                try await store.lock([contact] + others, on: connection, logger: logger)
            }
            let same = ContactTime.date(microseconds: 1_780_000_000_123_456)
            let times = [same, same, ContactTime.date(microseconds: 1_780_000_000_123_455), same, same]
            var expected: [(at: Date, id: UUID)] = []
            for (index, other) in others.enumerated() {
                let (target, source) = index < 3 ? (contact, other) : (other, contact)
                let audit = try record(target: snapshots[target], source: snapshots[source], at: times[index])
                try await client.withTransaction(logger: logger) { try await store.insertMerge(audit, on: $0, logger: logger) }
                expected.append((audit.at, audit.id))
            }
            expected.sort { ($0.at, $0.id.uuidString.lowercased()) > ($1.at, $1.id.uuidString.lowercased()) }

            var seen: [String] = []
            var cursor: KeysetCursor?
            var pages = 0
            repeat {
                let page = try await store.merges(MergeFilter(contactID: contact, cursor: cursor, limit: 2), client: client, logger: logger)
                seen += page.items.map(\.id)
                pages += 1
                if let next = page.next {
                    let decoded: KeysetCursor = try #require(KeysetCursor(encoded: next))
                    cursor = decoded
                } else {
                    cursor = nil
                }
                #expect(page.items.count == (page.next == nil ? 1 : 2))
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == expected.map { $0.id.uuidString.lowercased() })
        }
    }

    /// `DELETE` of a contact erases the contacts merged into it, through others too, and
    /// the records naming any of them (their snapshots hold what was erased).
    @Test func aDeleteDropsTheRecordsOfEveryContactItErased() async throws {
        try await withContacts { client in
            let kept = try await create(client, "Kept", phones: 1)
            let middle = try await create(client, "Middle", phones: 1)
            let first = try await create(client, "First", phones: 1)
            let top = try await create(client, "Top", phones: 1)
            let aside = try await create(client, "Aside", phones: 1)
            let untouched = try await run(client) { try await commands.merge(into: kept, source: aside, by: agent, traceparent: nil, on: $0) }
            let inner = try await run(client) { try await commands.merge(into: middle, source: first, by: agent, traceparent: nil, on: $0) }
            let outer = try await run(client) { try await commands.merge(into: top, source: middle, by: agent, traceparent: nil, on: $0) }
            #expect(try await list(client, middle).items.map(\.id) == [outer.audit.idString, inner.audit.idString])

            try await run(client) { try await commands.delete(top, by: agent, traceparent: nil, on: $0) }
            for id in [inner.audit.id, outer.audit.id] { #expect(try await store.merge(id: id, client: client, logger: logger) == nil) }
            for contact in [top, middle, first] { #expect(try await list(client, contact).items.isEmpty) }
            #expect(try await store.merge(id: untouched.audit.id, client: client, logger: logger) == untouched.audit)
        }
    }

    // MARK: Helpers

    private func withContacts(_ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await TestEnvironment.withPostgres { client in
            try await MigrationRunner(schema: "contacts", migrations: Migration.messagingMigrations(schema: "contacts") + ContactsMigrations.all)
                .run(on: client, logger: logger)
            try await body(client)
        }
    }

    private func run<T: Sendable>(_ client: PostgresClient, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { try await body($0) }
    }

    /// A new contact with `phones` numbers of its own.
    private func create(_ client: PostgresClient, _ name: String, phones: Int) async throws -> UUID {
        let numbers = (0..<phones).map { _ in "+1555" + String(UInt32.random(in: 1_000_000...9_999_999)) }
        let draft = ContactDraft(firstName: name, lastName: nil, displayName: nil, phones: numbers, emails: [], attributes: [:])
        return try await run(client) { try await commands.create(draft, by: agent, traceparent: nil, on: $0) }.id
    }

    private func list(_ client: PostgresClient, _ contact: UUID) async throws -> MergePage {
        try await store.merges(MergeFilter(contactID: contact), client: client, logger: logger)
    }

    /// What `POST .../merge` or `POST /v1/merges/{id}/undo` answered.
    private func answer(_ outcome: MergeOutcome) -> MergeView {
        MergeView(outcome.audit, target: outcome.target, source: outcome.source)
    }

    private func json(_ view: MergeView) throws -> String {
        String(decoding: try SwitchboardJSON.encoder().encode(view), as: UTF8.self)
    }

    private func record(target: ContactSnapshot?, source: ContactSnapshot?, at: Date) throws -> MergeAudit {
        let target = try #require(target)
        let source = try #require(source)
        return MergeAudit(
            id: UUID(), targetBefore: target, sourceBefore: source, targetAfter: target, sourceAfter: source, movedInteractions: [],
            mergedBy: "kate", at: at, undoneAt: nil, undoneBy: nil
        )
    }
}
