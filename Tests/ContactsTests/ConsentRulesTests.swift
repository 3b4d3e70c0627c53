import Foundation
import Testing

@testable import Contacts

@Suite("Consent state per organisation number")
struct ConsentRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    var t1: Date { t0.addingTimeInterval(60) }
    var t2: Date { t0.addingTimeInterval(120) }

    @Test func stopOptsOutAStartOptsBackIn() {
        #expect(ConsentRules.apply(.optOut, at: t0, current: nil) == .changed(.optedOut))
        #expect(ConsentRules.apply(.optIn, at: t1, current: (.optedOut, t0)) == .changed(.optedIn))
    }

    @Test func aNumberIsOptedInUntilItSaysOtherwise() {
        #expect(ConsentRules.apply(.optIn, at: t0, current: nil) == .confirmed(.optedIn))
    }

    @Test func repeatingAKeywordOnlyMovesTheStatesTime() {
        #expect(ConsentRules.apply(.optOut, at: t1, current: (.optedOut, t0)) == .confirmed(.optedOut))
        #expect(ConsentRules.apply(.optIn, at: t1, current: (.optedIn, t0)) == .confirmed(.optedIn))
    }

    @Test func helpIsOnlyRecorded() {
        #expect(ConsentRules.apply(.help, at: t0, current: nil) == .unchanged)
        #expect(ConsentRules.apply(.help, at: t1, current: (.optedOut, t0)) == .unchanged)
        #expect(ConsentAction.help.state == nil)
    }

    @Test func aLateKeywordDoesNotUndoANewerOne() {
        // START sent at t1 arrives after STOP sent at t2 was applied: still opted out.
        #expect(ConsentRules.apply(.optIn, at: t1, current: (.optedOut, t2)) == .stale)
        // START sent at t2 (the number's first keyword: stored as opted in at t2) arrives
        // before STOP sent at t1: the STOP is older, still opted in.
        guard case .confirmed(let state) = ConsentRules.apply(.optIn, at: t2, current: nil) else {
            Issue.record("a first START confirms opted in")
            return
        }
        #expect(ConsentRules.apply(.optOut, at: t1, current: (state, t2)) == .stale)
    }

    @Test func optedOutOfOneOrganisationNumberIsOptedOut() {
        #expect(ConsentRules.overall([:]) == .optedIn)
        #expect(ConsentRules.overall(["+14155550199": .optedIn]) == .optedIn)
        #expect(ConsentRules.overall(["+14155550199": .optedIn, "+16285550100": .optedOut]) == .optedOut)
    }

    @Test func actionsAndStatesUseTheContractSpelling() {
        #expect(ConsentAction(rawValue: "opt_out") == .optOut)
        #expect(ConsentAction(rawValue: "opt_in") == .optIn)
        #expect(ConsentAction(rawValue: "help") == .help)
        #expect(ConsentState.optedOut.rawValue == "opted_out" && ConsentState.optedIn.rawValue == "opted_in")
    }
}
