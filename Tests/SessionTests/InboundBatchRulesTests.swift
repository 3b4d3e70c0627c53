import Foundation
import Testing

@testable import Session

@Suite("Inbound batches: placement of many messages and which take the set-based path")
struct InboundBatchRulesTests {
    typealias Conversation = InboundBatchPlacement.Conversation
    let alice = Conversation(organisation: "+15550000100", customer: "+15550000001")
    let bob = Conversation(organisation: "+15550000100", customer: "+15550000002")

    /// Ids handed out in order, so expectations can name them.
    final class IDs: @unchecked Sendable {
        var made: [UUID] = []
        func next() -> UUID {
            made.append(UUID())
            return made[made.count - 1]
        }
    }

    @Test func sessionMessagesJoinTheOpenSessionOrTheOneTheBatchOpened() {
        let open = UUID()
        let ids = IDs()
        let placement = InboundBatchPlacement(
            messages: [(bob, .session), (alice, .session), (bob, .session), (alice, .session)],
            openSessions: [alice: open], newID: ids.next
        )
        #expect(ids.made.count == 1)
        #expect(
            placement.placements == [
                .init(interactionID: ids.made[0], opens: true),
                .init(interactionID: open, opens: false),
                .init(interactionID: ids.made[0], opens: false),
                .init(interactionID: open, opens: false),
            ])
    }

    @Test func pageMessagesEachOpenTheirOwnEvenWithASessionOpen() {
        let ids = IDs()
        let placement = InboundBatchPlacement(
            messages: [(alice, .page), (alice, .page)], openSessions: [alice: UUID()], newID: ids.next
        )
        #expect(placement.placements == ids.made.map { .init(interactionID: $0, opens: true) })
        #expect(Set(ids.made).count == 2)
    }

    @Test func anEmptyBatchPlacesNothing() {
        #expect(InboundBatchPlacement(messages: [], openSessions: [:]).placements.isEmpty)
    }

    @Test func plainSMSOfConversationsWithNothingElseTakeTheBatchPath() {
        let split = InboundBatchSplit([
            ("a", true), ("b", true), ("a", true), ("c", true), ("b", false), (nil, true), ("c", true), (nil, false),
        ])
        #expect(split.plain == [0, 2, 3, 6])
        #expect(split.others == [1, 4, 5, 7])
    }

    @Test func aConversationWithAnMMSLaterInTheBatchKeepsItsEarlierSMSOnTheGeneralPath() {
        let split = InboundBatchSplit([("a", true), ("a", false)])
        #expect(split.plain.isEmpty)
        #expect(split.others == [0, 1])
    }
}
