import SwitchboardDatabase
import Testing

/// When the outbox relay vacuums its outbox itself (issue #17): once enough confirmed rows
/// were deleted, and never more often than its interval.
@Suite("Outbox relay vacuum schedule")
struct OutboxVacuumScheduleTests {
    @Test func nothingIsDueBeforeEnoughRowsWereDeleted() {
        var schedule = OutboxVacuumSchedule(rowsBetween: 100, minimumInterval: .seconds(2))
        #expect(!schedule.isDue())
        schedule.deleted(60)
        #expect(!schedule.isDue())
        schedule.deleted(40)
        #expect(schedule.isDue(), "the first vacuum is due as soon as enough rows were deleted")
    }

    @Test func aVacuumStartsTheCountAgainAndWaitsForTheInterval() {
        var schedule = OutboxVacuumSchedule(rowsBetween: 100, minimumInterval: .seconds(2))
        let start = ContinuousClock.now
        schedule.deleted(150)
        schedule.vacuumed(at: start)
        #expect(!schedule.isDue(at: start + .seconds(5)), "the rows before the vacuum do not count again")
        schedule.deleted(100)
        #expect(!schedule.isDue(at: start + .seconds(1)), "enough rows, but within the interval")
        #expect(schedule.isDue(at: start + .seconds(2)))
    }
}
