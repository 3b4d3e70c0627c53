import SwitchboardDatabase
import Testing

/// When the outbox relay looks for rows and when it lets its turn go (issue #17): it looks
/// only when something may wait, and keeps an idle turn for the linger, looking again
/// meanwhile.
@Suite("Outbox relay lookout")
struct OutboxLookoutTests {
    @Test func theFirstStepLooks() {
        #expect(OutboxLookout().needsLook)
    }

    @Test func aCompleteLookIsNotRepeatedUntilWorkIsNoted() {
        var lookout = OutboxLookout()
        lookout.looked(through: lookout.lookMark, selected: 3, deferred: 0, batchSize: 500)
        #expect(!lookout.needsLook, "a batch's confirms alone do not make the relay look again")
        lookout.noteWork()
        #expect(lookout.needsLook, "a commit, a notification or a tick does")
    }

    @Test func workNotedWhileALookRunsIsLookedForAgain() {
        var lookout = OutboxLookout()
        let mark = lookout.lookMark
        lookout.noteWork()  // a commit lands while the select runs
        lookout.looked(through: mark, selected: 0, deferred: 0, batchSize: 500)
        #expect(lookout.needsLook)
    }

    @Test func aLookThatLeftRowsBehindIsRepeated() {
        var full = OutboxLookout()
        full.looked(through: full.lookMark, selected: 500, deferred: 0, batchSize: 500)
        #expect(full.needsLook, "a full batch: more may wait")

        var deferred = OutboxLookout()
        deferred.looked(through: deferred.lookMark, selected: 4, deferred: 1, batchSize: 500)
        #expect(deferred.needsLook, "a row waits for its conversation's row out: look again once it is confirmed")

        var hidden = OutboxLookout()
        hidden.looked(through: hidden.lookMark, selected: 0, deferred: 0, conversationsOut: 1, batchSize: 500)
        #expect(hidden.needsLook, "the look left out a conversation with a row out: its next row may wait")
    }

    /// A lookout whose turn has published a batch.
    func published(linger: Duration = .milliseconds(100)) -> OutboxLookout {
        var lookout = OutboxLookout(linger: linger, recheck: .milliseconds(25))
        lookout.looked(through: lookout.lookMark, selected: 1, deferred: 0, batchSize: 500)
        return lookout
    }

    @Test func anIdleTurnIsKeptForTheLingerThenLetGo() {
        var lookout = published()
        let start = ContinuousClock.now
        #expect(lookout.idle(at: start) == .keep(lookAgainIn: .milliseconds(25)))
        #expect(lookout.idle(at: start + .milliseconds(60)) == .keep(lookAgainIn: .milliseconds(25)))
        #expect(lookout.idle(at: start + .milliseconds(100)) == .letGo)
        #expect(lookout.idle(at: start + .milliseconds(110)) == .keep(lookAgainIn: .milliseconds(25)), "a new idle period")
    }

    @Test func aTurnThatPublishedNothingIsLetGoAtOnce() {
        var tick = OutboxLookout()
        tick.looked(through: tick.lookMark, selected: 0, deferred: 0, batchSize: 500)
        #expect(tick.idle() == .letGo, "a look that found nothing keeps no turn")

        var deferredOnly = OutboxLookout()
        deferredOnly.looked(through: deferredOnly.lookMark, selected: 1, deferred: 1, batchSize: 500)
        #expect(deferredOnly.idle() == .letGo, "nothing launched")
    }

    @Test func workFoundRestartsTheLinger() {
        var lookout = published()
        let start = ContinuousClock.now
        _ = lookout.idle(at: start)
        lookout.noteWork()
        lookout.looked(through: lookout.lookMark, selected: 2, deferred: 0, batchSize: 500)
        #expect(lookout.idle(at: start + .milliseconds(150)) == .keep(lookAgainIn: .milliseconds(25)), "idle afresh since the rows")

        var deferredOnly = published()
        _ = deferredOnly.idle(at: start)
        deferredOnly.looked(through: deferredOnly.lookMark, selected: 1, deferred: 1, batchSize: 500)
        #expect(deferredOnly.idle(at: start + .milliseconds(150)) == .letGo, "nothing launched: still the same idle period")
    }

    @Test func aTurnEndedStartsAfresh() {
        var lookout = published()
        let start = ContinuousClock.now
        _ = lookout.idle(at: start)
        lookout.turnEnded()
        #expect(lookout.idle(at: start + .milliseconds(10)) == .letGo, "the next turn keeps nothing until it publishes")
        lookout.looked(through: lookout.lookMark, selected: 1, deferred: 0, batchSize: 500)
        #expect(lookout.idle(at: start + .milliseconds(150)) == .keep(lookAgainIn: lookout.recheck))
    }
}
