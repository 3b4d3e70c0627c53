import Testing

@testable import Transfer

@Suite("Offer state machine")
struct OfferStateTests {
    @Test func pendingGoesToEachOutcome() {
        #expect(OfferState.pending.accepted() == .accepted)
        #expect(OfferState.pending.rejected() == .rejected)
        #expect(OfferState.pending.expired() == .expired)
        #expect(OfferState.pending.withdrawn() == .withdrawn)
        #expect(!OfferState.pending.isFinal)
    }

    @Test(arguments: [OfferState.accepted, .rejected, .expired, .withdrawn])
    func outcomesAreFinal(state: OfferState) {
        #expect(state.isFinal)
        #expect(state.withdrawn() == nil, "\(state) cannot be withdrawn")
        #expect(state.accepted() == nil, "\(state) cannot be accepted")
        #expect(state.rejected() == nil, "\(state) cannot be rejected")
        #expect(state.expired() == nil, "\(state) cannot expire")
    }

    @Test func noOtherTransitions() {
        var reachable: [OfferState: Set<OfferState>] = [:]
        for state in OfferState.allCases {
            reachable[state] = Set([state.accepted(), state.rejected(), state.expired(), state.withdrawn()].compactMap { $0 })
        }
        #expect(reachable[.pending] == [.accepted, .rejected, .expired, .withdrawn])
        #expect(reachable[.accepted] == [])
        #expect(reachable[.rejected] == [])
        #expect(reachable[.expired] == [])
    }

    @Test func notificationTexts() {
        #expect(NotificationKind.transferRejected.text(target: "Sam Other") == "Sam Other rejected the transfer")
        #expect(NotificationKind.transferExpired.text(target: "Sam Other") == "Sam Other did not answer the transfer in time")
    }
}
