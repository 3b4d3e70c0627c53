@testable import SwitchboardAMQP
import Testing

@Suite("Redelivery of transiently failed deliveries")
struct RedeliveryPolicyTests {
    let policy = RedeliveryPolicy(localAttempts: 3, initialBackoff: .milliseconds(100), maxBackoff: .seconds(2))

    @Test func aMessageFailingOnItsOwnIsTriedHereThenGivenBack() {
        #expect(policy.decide(countedFailures: 1, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1)
            == .tryAgain(after: .milliseconds(100), counted: true))
        #expect(policy.decide(countedFailures: 2, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1)
            == .tryAgain(after: .milliseconds(200), counted: true))
        #expect(policy.decide(countedFailures: 3, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1) == .giveBack)
    }

    /// However long an outage lasts, its failures never bring a message to the broker's
    /// delivery limit: it is kept, and the waits stop growing at the maximum.
    @Test func failuresDuringAnOutageAreNotCountedAndWaitsAreCapped() {
        for streak in [1, 5, 50, 5_000] {
            let decision = policy.decide(countedFailures: 0, dependenciesHealthy: false, outageStreak: streak, shuttingDown: false, jitter: 1)
            guard case .tryAgain(let after, let counted) = decision else {
                Issue.record("gave back during an outage at streak \(streak)")
                continue
            }
            #expect(!counted)
            #expect(after <= .seconds(2))
        }
        #expect(policy.decide(countedFailures: 0, dependenciesHealthy: false, outageStreak: 5_000, shuttingDown: false, jitter: 1)
            == .tryAgain(after: .seconds(2), counted: false))
    }

    @Test func shuttingDownGivesBackAtOnce() {
        #expect(policy.decide(countedFailures: 0, dependenciesHealthy: false, outageStreak: 3, shuttingDown: true, jitter: 1) == .giveBack)
    }

    @Test func jitterStaysWithinTwentyPercent() {
        for jitter in [0.0, 0.8, 1.0, 1.2, 3.0] {
            let wait = policy.backoff(round: 2, jitter: jitter)
            #expect(wait >= .milliseconds(160) && wait <= .milliseconds(240))
        }
    }
}
