import Foundation
import HTTPTypes
import SwitchboardDatabase
import SwitchboardServiceKit
import Testing

@testable import Transfer

@Suite("Live stream rules")
struct StreamRulesTests {
    // MARK: SSE framing

    @Test func anEventHasItsIdNameAndData() {
        #expect(SSEFrame.event(id: 7, kind: .offer, data: #"{"a":1}"#) == "id: 7\nevent: offer\ndata: {\"a\":1}\n\n")
    }

    /// A line break would end the `data:` field early; each line gets its own, as the
    /// format asks, so the client joins them back.
    @Test func lineBreaksInDataBecomeSeveralDataLines() {
        #expect(SSEFrame.event(id: 1, kind: .transcript, data: "a\nb\r\nc") == "id: 1\nevent: transcript\ndata: a\ndata: b\ndata: c\n\n")
    }

    @Test func heartbeatsAreCommentsAndTheStreamOpensWithItsRetryDelay() {
        #expect(SSEFrame.heartbeat.hasPrefix(":"))
        #expect(SSEFrame.opening == "retry: 2000\n\n")
    }

    // MARK: Where a stream starts

    @Test func aFirstConnectStartsAtTheNewestEvent() {
        #expect(StreamStart.decide(lastEventID: nil, newest: 40, purgedThrough: 10) == .after(40))
    }

    @Test func aReconnectReplaysWhatFollowsItsLastEvent() {
        #expect(StreamStart.decide(lastEventID: "25", newest: 40, purgedThrough: 10) == .after(25))
        #expect(StreamStart.decide(lastEventID: "10", newest: 40, purgedThrough: 10) == .after(10))
        #expect(StreamStart.decide(lastEventID: "40", newest: 40, purgedThrough: 10) == .after(40))
    }

    @Test func eventsRemovedByRetentionMeanResync() {
        #expect(StreamStart.decide(lastEventID: "9", newest: 40, purgedThrough: 10) == .resync(from: 40, reason: "events_expired"))
    }

    /// An id this feed never gave (another deployment, a reset database) cannot be resumed.
    @Test func anUnknownIdMeansResync() {
        #expect(StreamStart.decide(lastEventID: "41", newest: 40, purgedThrough: 0) == .resync(from: 40, reason: "last_event_id_unknown"))
        #expect(StreamStart.decide(lastEventID: "abc", newest: 40, purgedThrough: 0) == .resync(from: 40, reason: "last_event_id_unknown"))
        #expect(StreamStart.decide(lastEventID: "-1", newest: 40, purgedThrough: 0) == .resync(from: 40, reason: "last_event_id_unknown"))
    }

    // MARK: Which of transfer's events a desktop sees

    @Test func offerEventsGoToTheOfferedAgent() throws {
        let body = Data(#"{"id":"e1","type":"switchboard.offer.created","data":{"id":"o1","agent_id":"kate","state":"pending"}}"#.utf8)
        let message = OutboxMessage(
            messageID: "e1", exchange: "switchboard.events", routingKey: "offer.created", type: "offer.created",
            contentType: "application/cloudevents+json", correlationID: nil, traceparent: nil, mandatory: false, body: body)
        let events = OutboxDeskEvents.events(for: message)
        #expect(events.count == 1)
        #expect(events.first?.agentID == "kate")
        #expect(events.first?.event.kind == .offer)
        #expect(events.first?.event.data == #"{"id":"o1","agent_id":"kate","state":"pending"}"#, "the offer as the event has it")
    }

    @Test func otherEventsAndCommandsAreNotShown() {
        let body = Data(#"{"data":{"agent_id":"kate"}}"#.utf8)
        for type in ["transfer.requested", "interaction.assign"] {
            let message = OutboxMessage(
                messageID: "m", exchange: "x", routingKey: type, type: type, contentType: "application/json", correlationID: nil,
                traceparent: nil, mandatory: false, body: body)
            #expect(OutboxDeskEvents.events(for: message).isEmpty)
        }
    }

    /// Free-form keys (case data) pass through as written: no key conversion on the way,
    /// and the text as the event has it.
    @Test func passedOnObjectsKeepTheirKeys() throws {
        let body = Data(#"{"data":{"interaction":{"id":"i","case_data":{"orderNo":"7"}}}}"#.utf8)
        let fields = try #require(EventDataFields(cloudEvent: body))
        #expect(fields.objectText("interaction") == #"{"id":"i","case_data":{"orderNo":"7"}}"#)
        #expect(fields.objectText("missing") == nil)
        #expect(fields.text() == #"{"interaction":{"id":"i","case_data":{"orderNo":"7"}}}"#)
        #expect(fields.text(adding: ["type": "x"]) == #"{"interaction":{"case_data":{"orderNo":"7"},"id":"i"},"type":"x"}"#)
        #expect(EventDataFields(cloudEvent: Data("[1]".utf8)) == nil)
    }

    /// An event not in UTF-8 (which JSON parsing accepts) still has its objects, written again.
    @Test func anEventInUTF16HasItsObjectsWrittenAgain() throws {
        let text = #"{"data":{"interaction":{"id":"i"}}}"#
        var body = Data([0xFF, 0xFE])
        body.append(contentsOf: text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let fields = try #require(EventDataFields(cloudEvent: body))
        #expect(fields.objectText("interaction") == #"{"id":"i"}"#)
    }

    @Test func anInboundMessageEntryIsThePreviewText() throws {
        let inbound = try #require(
            EventDataFields(cloudEvent: Data(#"{"data":{"kind":"message","direction":"inbound","entry":{"text":"Hi there"}}}"#.utf8)))
        #expect(TransferEventHandler.inboundText(inbound) == "Hi there")
        let outbound = try #require(
            EventDataFields(cloudEvent: Data(#"{"data":{"kind":"message","direction":"outbound","entry":{"text":"Reply"}}}"#.utf8)))
        #expect(TransferEventHandler.inboundText(outbound) == nil)
    }

    // MARK: One desktop's buffer

    func connection(capacity: Int = 3, cursor: Int64 = 0) -> DeskConnection {
        DeskConnection(
            identity: Identity(agentID: "kate", name: nil, roles: [.agent], permissions: []), queues: [], channel: nil, cursor: cursor,
            capacity: capacity)
    }

    func rows(_ seqs: ClosedRange<Int64>) -> [DeskFeedRow] {
        seqs.map { DeskFeedRow(agentID: "kate", seq: $0, event: DeskEvent(kind: .transcript, data: "{\"n\":\($0)}")) }
    }

    @Test func rowsAfterTheCursorAreFramedOnceInOrder() async {
        let desk = connection(cursor: 1)
        #expect(desk.deliver(rows(1...3)))
        #expect(desk.deliver(rows(2...3)))
        #expect(desk.cursor == 3)
        #expect(
            await desk.next()
                == .frames([SSEFrame.event(id: 2, kind: .transcript, data: "{\"n\":2}"), SSEFrame.event(id: 3, kind: .transcript, data: "{\"n\":3}")])
        )
    }

    /// The hub never waits for a desktop: what does not fit stays in the feed, and the
    /// desktop is marked behind until it drains.
    @Test func aFullBufferTakesWhatFitsAndMarksTheDesktopBehind() async {
        let desk = connection(capacity: 2)
        #expect(!desk.deliver(rows(1...5)))
        #expect(desk.cursor == 2)
        #expect(desk.isBehind)
        #expect(desk.isFull)
        let start = ContinuousClock.now
        #expect(!desk.isStalled(limit: .seconds(10), now: start))
        #expect(desk.isStalled(limit: .seconds(10), now: start + .seconds(11)))
        _ = await desk.next()
        #expect(desk.deliver(rows(3...4)))
        #expect(!desk.isBehind)
    }

    @Test func aWriteThatNeverEndsIsAStall() {
        let desk = connection()
        desk.writing(true)
        #expect(desk.isWriting)
        #expect(desk.isStalled(limit: .seconds(10), now: .now + .seconds(11)))
        desk.writing(false)
        #expect(!desk.isStalled(limit: .seconds(10), now: .now + .seconds(11)))
    }

    @Test func theEndComesAfterWhatWasQueuedAndAWaitingWriterWakes() async {
        let desk = connection()
        desk.deliver(rows(1...1))
        desk.finish(.shutdown)
        desk.finish(.fellBehind)
        #expect(await desk.next() == .frames([SSEFrame.event(id: 1, kind: .transcript, data: "{\"n\":1}")]))
        #expect(await desk.next() == .end(.shutdown))

        let waiting = connection()
        async let next = waiting.next()
        try? await Task.sleep(for: .milliseconds(50))
        waiting.deliver(rows(1...1))
        #expect(await next == .frames([SSEFrame.event(id: 1, kind: .transcript, data: "{\"n\":1}")]))
    }

    @Test func heartbeatsOnlyWhenIdleAndQueueCountsOnlyWhenChanged() async {
        let desk = connection()
        desk.heartbeatIfIdle(.seconds(15), now: .now)
        desk.heartbeatIfIdle(.seconds(15), now: .now + .seconds(16))
        #expect(await desk.next() == .frames([SSEFrame.heartbeat]))
        let counts = QueueCounts(queue: "sales", waiting: 2, offered: 1, longestWaitSeconds: 30)
        #expect(desk.swapQueueCounts(counts))
        #expect(!desk.swapQueueCounts(counts))
        #expect(desk.swapQueueCounts(QueueCounts(queue: "sales", waiting: 3, offered: 1, longestWaitSeconds: 31)))
    }

    @Test func limitsAnswer429ForAnAgentAnd503ForAReplica() {
        #expect(StreamLimitError.tooManyForAgent(limit: 5).apiError.status == .tooManyRequests)
        #expect(StreamLimitError.tooManyForAgent(limit: 5).apiError.code == "too_many_streams")
        #expect(StreamLimitError.replicaFull(limit: 9).apiError.status == .serviceUnavailable)
    }
}
