import Foundation
import SwitchboardAMQP
import SwitchboardDatabase
import Testing

/// The outbox relay's rules for batches out at the broker (issue #17): nothing out is
/// selected again, a conversation has one row out at a time, a batch frees its rows only
/// once settled.
@Suite("Outbox batches out at the broker")
struct OutboxFlightTests {
    func row(_ id: Int64, _ conversation: String?) -> OutboxRelayRow {
        OutboxRelayRow(
            id: id, attempts: 0,
            message: OutboxMessage(
                messageID: "m\(id)", exchange: "x", routingKey: "k", type: "t", contentType: "application/json",
                correlationID: conversation, traceparent: nil, mandatory: false, body: Data()))
    }

    @Test func aBatchTakesOneRowPerConversation() {
        let flight = OutboxFlight(maxBatches: 2)
        let (admitted, deferred) = flight.admissible([row(1, "a"), row(2, "a"), row(3, "b"), row(4, nil), row(5, nil)])
        #expect(admitted.map(\.id) == [1, 3, 4, 5])
        #expect(deferred == 1)
    }

    @Test func aConversationWithARowOutWaitsUntilItIsSettled() {
        var flight = OutboxFlight(maxBatches: 4)
        let first = flight.launch([row(1, "a"), row(2, nil)])
        #expect(flight.excludedIDs == [1, 2])
        #expect(flight.excludedConversations == ["a"])
        let (admitted, deferred) = flight.admissible([row(1, "a"), row(3, "a"), row(4, "b")])
        #expect(admitted.map(\.id) == [4], "neither the row out nor its conversation's next row")
        #expect(deferred == 2)

        flight.land(first.number, errors: [nil, nil])
        #expect(flight.excludedConversations == ["a"], "landed is not settled: the rows are not deleted yet")
        let landed = flight.takeLanded()
        #expect(landed.map(\.batch) == [first])
        #expect(flight.takeLanded().isEmpty, "handed over once")
        flight.forget(landed.map(\.batch))
        #expect(flight.excludedIDs.isEmpty && flight.excludedConversations.isEmpty)
        #expect(flight.isEmpty)
        #expect(flight.admissible([row(3, "a")]).admitted.map(\.id) == [3])
    }

    @Test func roomIsCountedInBatchesUntilForgotten() {
        var flight = OutboxFlight(maxBatches: 2)
        let first = flight.launch([row(1, "a")])
        _ = flight.launch([row(2, "b")])
        #expect(!flight.hasRoom)
        flight.land(first.number, errors: [.nacked])
        #expect(!flight.hasRoom, "a landed batch is out until settled")
        let landed = flight.takeLanded()
        #expect(landed.first?.errors == [.nacked])
        flight.forget(landed.map(\.batch))
        #expect(flight.hasRoom)
        #expect(flight.batchesOut == 1)
    }

    @Test func anUnknownOrRepeatedBatchChangesNothing() {
        var flight = OutboxFlight(maxBatches: 1)
        let batch = flight.launch([row(1, "a")])
        flight.land(batch.number + 7, errors: [nil])
        #expect(flight.takeLanded().isEmpty)
        flight.land(batch.number, errors: [nil])
        let landed = flight.takeLanded()
        flight.forget(landed.map(\.batch))
        flight.forget(landed.map(\.batch))
        #expect(flight.isEmpty && flight.hasRoom)
    }
}
