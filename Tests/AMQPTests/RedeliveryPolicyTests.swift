import SwitchboardAMQP
import SwitchboardDatabase
import Testing

@testable import SwitchboardAMQP

@Suite("Redelivery of transiently failed deliveries")
struct RedeliveryPolicyTests {
    let policy = RedeliveryPolicy(localAttempts: 3, initialBackoff: .milliseconds(100), maxBackoff: .seconds(2))

    @Test func aMessageFailingOnItsOwnIsTriedHereThenDeadLettered() {
        #expect(
            policy.decide(countedFailures: 1, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1)
                == .tryAgain(after: .milliseconds(100), counted: true))
        #expect(
            policy.decide(countedFailures: 2, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1)
                == .tryAgain(after: .milliseconds(200), counted: true))
        #expect(policy.decide(countedFailures: 3, dependenciesHealthy: true, outageStreak: 0, shuttingDown: false, jitter: 1) == .deadLetter)
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
        #expect(
            policy.decide(countedFailures: 0, dependenciesHealthy: false, outageStreak: 5_000, shuttingDown: false, jitter: 1)
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

@Suite("Outbox retry policy")
struct OutboxRetryPolicyTests {
    @Test func onlyRefusalsOfTheMessageCount() {
        let policy = OutboxRetryPolicy()
        #expect(policy.countsAgainstTheMessage(.unroutable(code: 312, reason: "NO_ROUTE")))
        #expect(policy.countsAgainstTheMessage(.nacked))
        #expect(policy.countsAgainstTheMessage(.channelClosed(code: 404, reason: "NOT_FOUND - no exchange")))
        #expect(!policy.countsAgainstTheMessage(.connectionLost("reset")))
        #expect(!policy.countsAgainstTheMessage(.connectionFailed("refused")))
        #expect(!policy.countsAgainstTheMessage(.confirmTimedOut))
        #expect(!policy.countsAgainstTheMessage(.shuttingDown))
    }

    /// A closed channel fails every publish in flight; only the one to the exchange the
    /// broker named is the message's fault.
    @Test func aClosedChannelCountsOnlyAgainstTheExchangeItNames() {
        let policy = OutboxRetryPolicy()
        let closed = AMQPError.channelClosed(code: 404, reason: "NOT_FOUND - no exchange 'switchboard.gone' in vhost '/'")
        #expect(policy.countsAgainst(closed, exchange: "switchboard.gone"))
        #expect(!policy.countsAgainst(closed, exchange: "switchboard.events"))
        #expect(!policy.countsAgainst(closed, exchange: "switchboard"), "a prefix of the named exchange is another exchange")
        #expect(policy.countsAgainst(.unroutable(code: 312, reason: "NO_ROUTE"), exchange: "switchboard.events"))
        #expect(policy.countsAgainst(.nacked, exchange: "switchboard.events"))
        #expect(!policy.countsAgainst(.confirmTimedOut, exchange: "switchboard.events"))
    }

    @Test func waitsDoubleUpToTheCap() {
        let policy = OutboxRetryPolicy(parkAfter: 10, maxWaitSeconds: 300)
        #expect((1...10).map { policy.wait(afterAttempt: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.seconds($0) })
    }
}
