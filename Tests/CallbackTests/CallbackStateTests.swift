import Testing

@testable import Callback

@Suite("Callback state machine")
struct CallbackStateTests {
    @Test func firesOnlyFromScheduled() {
        #expect(CallbackState.scheduled.fired() == .due)
        for state in [CallbackState.due, .completed, .cancelled] {
            #expect(state.fired() == nil, "\(state) does not fire")
        }
    }

    @Test(arguments: [CallbackState.scheduled, .due])
    func openStates(state: CallbackState) {
        #expect(state.isOpen)
        #expect(state.rescheduled() == .scheduled, "rescheduling a due callback makes it scheduled again")
        #expect(state.edited() == state, "notes or target keep the state")
        #expect(state.cancelled() == .cancelled)
        #expect(state.completed() == .completed)
    }

    @Test(arguments: [CallbackState.completed, .cancelled])
    func finalStates(state: CallbackState) {
        #expect(!state.isOpen)
        #expect(state.rescheduled() == nil)
        #expect(state.edited() == nil)
        #expect(state.cancelled() == nil)
        #expect(state.completed() == nil)
    }
}
