import Testing

@testable import SwitchboardAMQP

@Suite("Keyed batch scheduler (consumer workers)")
struct KeyedBatchSchedulerTests {
    @Test func aFreeWorkerTakesEverythingWaitingInOrder() async throws {
        let scheduler = KeyedBatchScheduler<Int>()
        for value in 1...5 { scheduler.push(value, key: "k\(value)") }
        let batch = try #require(await scheduler.nextBatch(max: 50))
        #expect(batch.elements == [1, 2, 3, 4, 5])
    }

    /// Two messages of one conversation never share a batch: whatever a handler does when
    /// the first fails, the second cannot be committed before it (issue #19).
    @Test func aBatchHoldsAtMostOneDeliveryPerKey() async throws {
        let scheduler = KeyedBatchScheduler<String>()
        for element in ["a1", "b1", "a2", "x", "b2", "a3", "c1"] { scheduler.push(element, key: element == "x" ? nil : String(element.prefix(1))) }
        let first = try #require(await scheduler.nextBatch(max: 50))
        #expect(first.elements == ["a1", "b1", "x", "c1"])
        scheduler.finish(first)
        let second = try #require(await scheduler.nextBatch(max: 50))
        #expect(second.elements == ["a2", "b2"])
        scheduler.finish(second)
        #expect(try #require(await scheduler.nextBatch(max: 50)).elements == ["a3"])
    }

    /// A delivery to be tried again goes back ahead of its conversation's later deliveries.
    @Test func aReturnedDeliveryComesBeforeItsKeysLaterOnes() async throws {
        let scheduler = KeyedBatchScheduler<String>()
        scheduler.push("a1", key: "a")
        scheduler.push("b1", key: "b")
        let first = try #require(await scheduler.nextBatch(max: 50))
        scheduler.push("a2", key: "a")
        scheduler.push("b2", key: "b")
        // a1 failed: it goes back; b1 was handled.
        scheduler.finish(first, returning: [0])
        let second = try #require(await scheduler.nextBatch(max: 50))
        #expect(second.elements == ["a1", "b2"])
        scheduler.finish(second)
        #expect(try #require(await scheduler.nextBatch(max: 50)).elements == ["a2"])
    }

    /// Shutting down, a delivery given back to the broker abandons its conversation here:
    /// its later deliveries, waiting or still to come, are never handed to a worker (they
    /// would be committed before it); other conversations drain as usual.
    @Test func aKeyGivenBackWhileShuttingDownIsNotHandledFurther() async throws {
        let scheduler = KeyedBatchScheduler<String>()
        for element in ["a1", "b1", "a2", "x", "a3", "b2"] { scheduler.push(element, key: element == "x" ? nil : String(element.prefix(1))) }
        let first = try #require(await scheduler.nextBatch(max: 50))
        #expect(first.elements == ["a1", "b1", "x"])
        scheduler.close()
        #expect(scheduler.finish(first, abandoning: [0]) == ["a2", "a3"], "taken out, in order")
        #expect(!scheduler.push("a4", key: "a"), "a later delivery of the abandoned key is dropped")
        #expect(scheduler.push("c1", key: "c"))
        let second = try #require(await scheduler.nextBatch(max: 50))
        #expect(second.elements == ["b2", "c1"])
        scheduler.finish(second)
        #expect(await scheduler.nextBatch(max: 50) == nil, "drained: nothing of a is left to hand out")
    }

    @Test func batchesStopAtTheirMaximumAndKeepTheRestInOrder() async throws {
        let scheduler = KeyedBatchScheduler<Int>()
        for value in 1...5 { scheduler.push(value, key: nil) }
        let first = try #require(await scheduler.nextBatch(max: 2))
        let second = try #require(await scheduler.nextBatch(max: 2))
        #expect(first.elements == [1, 2])
        #expect(second.elements == [3, 4])
    }

    @Test func aKeyHeldByOneWorkerIsSkippedWithAllItsLaterDeliveries() async throws {
        let scheduler = KeyedBatchScheduler<String>()
        scheduler.push("a1", key: "a")
        let held = try #require(await scheduler.nextBatch(max: 50))
        #expect(held.elements == ["a1"])
        scheduler.push("a2", key: "a")
        scheduler.push("b1", key: "b")
        scheduler.push("a3", key: "a")
        scheduler.push("x", key: nil)
        let other = try #require(await scheduler.nextBatch(max: 50))
        #expect(other.elements == ["b1", "x"], "a is held: a2 and a3 wait, others go ahead")
        #expect(scheduler.waitingCount == 2)
        scheduler.finish(held)
        let next = try #require(await scheduler.nextBatch(max: 50))
        #expect(next.elements == ["a2"], "then a's deliveries, in order, one per batch")
        scheduler.finish(next)
        #expect(try #require(await scheduler.nextBatch(max: 50)).elements == ["a3"])
    }

    @Test func aWorkerWaitingForAHeldKeyIsWokenWhenItIsFreed() async throws {
        let scheduler = KeyedBatchScheduler<String>()
        scheduler.push("a1", key: "a")
        let held = try #require(await scheduler.nextBatch(max: 50))
        scheduler.push("a2", key: "a")
        let waiting = Task { await scheduler.nextBatch(max: 50)?.elements }
        try await Task.sleep(for: .milliseconds(50))
        scheduler.finish(held)
        #expect(await waiting.value == ["a2"])
    }

    @Test func closingDrainsWhatWaitsThenEnds() async throws {
        let scheduler = KeyedBatchScheduler<Int>()
        scheduler.push(1, key: "a")
        let first = try #require(await scheduler.nextBatch(max: 50))
        scheduler.push(2, key: "a")
        scheduler.close()
        let waiting = Task { await scheduler.nextBatch(max: 50)?.elements }
        try await Task.sleep(for: .milliseconds(50))
        scheduler.finish(first)
        #expect(await waiting.value == [2])
        let last = await scheduler.nextBatch(max: 50)
        #expect(last == nil)
    }

    /// Many workers, many keys: every key's deliveries are handled exactly once and in order.
    @Test func concurrentWorkersKeepEachKeysOrder() async throws {
        let scheduler = KeyedBatchScheduler<(key: Int, seq: Int)>()
        let log = Log()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while let batch = await scheduler.nextBatch(max: 7) {
                        await log.record(batch.elements)
                        await Task.yield()
                        scheduler.finish(batch)
                    }
                }
            }
            group.addTask {
                for seq in 0..<200 {
                    for key in 0..<10 { scheduler.push((key, seq), key: "\(key)") }
                    if seq % 10 == 0 { await Task.yield() }
                }
                scheduler.close()
            }
        }
        let seen = await log.byKey
        #expect(seen.count == 10)
        for (_, sequence) in seen { #expect(sequence == Array(0..<200)) }
    }

    actor Log {
        var byKey: [Int: [Int]] = [:]
        func record(_ elements: [(key: Int, seq: Int)]) {
            for element in elements { byKey[element.key, default: []].append(element.seq) }
        }
    }
}

@Suite("Keyed batch scheduler with a linger")
struct KeyedBatchSchedulerLingerTests {
    /// Deliveries streaming in: a free worker waits for the ones that arrive within the
    /// window and takes them in one batch.
    @Test func aFreeWorkerWaitsForDeliveriesStreamingIn() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .milliseconds(200)))
        for value in 1...30 { scheduler.push(value, key: "k\(value)") }
        let late = Task {
            try await Task.sleep(for: .milliseconds(40))
            for value in 31...35 { scheduler.push(value, key: "k\(value)") }
        }
        let started = ContinuousClock.now
        let batch = try #require(await scheduler.nextBatch(max: 100))
        try await late.value
        #expect(batch.elements == Array(1...35))
        #expect(ContinuousClock.now - started >= .milliseconds(150))
    }

    /// One delivery after a quiet spell is taken at once: no latency added without load.
    @Test func aLoneDeliveryIsTakenAtOnce() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .seconds(1)))
        scheduler.push(1, key: "a")
        let late = Task {
            try await Task.sleep(for: .milliseconds(100))
            scheduler.push(2, key: "b")
        }
        let batch = try #require(await scheduler.nextBatch(max: 100))
        try await late.value
        #expect(batch.elements == [1])
    }

    @Test func aFullBatchIsTakenWithoutWaiting() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .seconds(1)))
        for value in 1...30 { scheduler.push(value, key: "k\(value)") }
        let late = Task {
            try await Task.sleep(for: .milliseconds(100))
            scheduler.push(31, key: "late")
        }
        let batch = try #require(await scheduler.nextBatch(max: 10))
        try await late.value
        #expect(batch.elements == Array(1...10))
    }

    /// Shutting down, what waits is handled at once.
    @Test func aClosedSchedulerDoesNotLinger() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .seconds(1)))
        for value in 1...30 { scheduler.push(value, key: "k\(value)") }
        scheduler.close()
        let late = Task {
            try await Task.sleep(for: .milliseconds(100))
            scheduler.push(31, key: "late")
        }
        let batch = try #require(await scheduler.nextBatch(max: 100))
        try await late.value
        #expect(batch.elements == Array(1...30))
    }

    /// A delivery handed back to be tried again is not kept waiting.
    @Test func aReturnedDeliveryIsTakenAtOnce() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .seconds(1)))
        for value in 1...30 { scheduler.push(value, key: "k\(value)") }
        let first = try #require(await scheduler.nextBatch(max: 30))
        scheduler.finish(first, returning: [0])
        let late = Task {
            try await Task.sleep(for: .milliseconds(100))
            scheduler.push(31, key: "late")
        }
        let again = try #require(await scheduler.nextBatch(max: 30))
        try await late.value
        #expect(again.elements == [1])
    }
}

extension KeyedBatchSchedulerLingerTests {
    /// A batch that fills while its worker lingers is taken without waiting out the window.
    @Test func aBatchThatFillsWhileLingeringIsTakenBeforeTheWindowEnds() async throws {
        let scheduler = KeyedBatchScheduler<Int>(linger: BatchLinger(window: .seconds(2)))
        for value in 1...30 { scheduler.push(value, key: "k\(value)") }
        let fill = Task {
            try await Task.sleep(for: .milliseconds(50))
            for value in 31...60 { scheduler.push(value, key: "k\(value)") }
        }
        let started = ContinuousClock.now
        let batch = try #require(await scheduler.nextBatch(max: 50))
        try await fill.value
        #expect(batch.elements == Array(1...50))
        #expect(ContinuousClock.now - started < .milliseconds(1_500), "taken within a slice (500 ms) of filling, not at the window's end")
    }
}
