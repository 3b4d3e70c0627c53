import Testing

@testable import SwitchboardAMQP

@Suite("Reconnecting to a cluster")
struct ReconnectPlanTests {
    @Test func oneBrokerBacksOffUpToTheLimit() {
        let plan = ReconnectPlan(endpoints: 1, maxDelay: .seconds(2))
        #expect((1...5).map { plan.delaySeconds(attempt: $0) } == [0.5, 1, 2, 2, 2])
        #expect(plan.nextEndpoint(after: 0) == 0)
    }

    /// A node that goes away costs one attempt: the next node is tried at once, and the
    /// delay grows only after every node failed in turn.
    @Test func threeNodesAreTriedInTurnBeforeAnyBackoff() {
        let plan = ReconnectPlan(endpoints: 3, maxDelay: .seconds(2))
        #expect([0, 1, 2].map(plan.nextEndpoint(after:)) == [1, 2, 0])
        #expect((1...9).map { plan.delaySeconds(attempt: $0) } == [0.05, 0.05, 0.5, 0.05, 0.05, 1, 0.05, 0.05, 2])
    }
}
