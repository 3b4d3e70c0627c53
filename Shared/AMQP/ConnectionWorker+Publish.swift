import CRabbitMQ
import Foundation
import Logging
import Metrics

extension ConnectionWorker {
    /// Publishes waiting messages while the confirm window has room.
    func flushWaiting() throws(AMQPError) {
        guard let state, channelEpochs[Self.publishChannel] != nil else { return }
        let now = ContinuousClock.now
        while waitingHead < waiting.count, inFlight.count < configuration.confirmWindow {
            var pending = waiting[waitingHead]
            pending.sentAt = now
            let message = pending.message
            let arena = CArena()
            var properties = message.properties.cProperties(in: arena)
            let exchange = arena.bytes(message.exchange)
            let routingKey = arena.bytes(message.routingKey)
            let status = message.body.withUnsafeBytes { raw in
                amqp_basic_publish(
                    state, Self.publishChannel, exchange, routingKey, message.mandatory ? 1 : 0, 0, &properties,
                    amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                )
            }
            if status < 0 { throw .connectionLost(Self.statusText(status)) }
            inFlight[nextSequence] = pending
            nextSequence += 1
            waitingHead += 1
            publishedCounter.increment()
        }
        if waitingHead > 0, waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waitingHead > 4096 {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    /// Fails the publishes still waiting to be sent (no connection, or a full confirm window)
    /// after ``AMQPConfiguration/confirmTimeout``, as ``AMQPError/confirmTimedOut``: a
    /// caller cut off from the broker learns it in bounded time (and the outbox relay lets
    /// go of its lock) instead of waiting for a broker that may not come back. They were
    /// never sent, so a retry duplicates nothing.
    func expireStaleWaiting() {
        guard waitingHead < waiting.count else { return }
        let cutoff = ContinuousClock.now - configuration.confirmTimeout
        guard waiting[waitingHead].queuedAt < cutoff else { return }
        var expired = 0
        while waitingHead < waiting.count, waiting[waitingHead].queuedAt < cutoff {
            let pending = waiting[waitingHead]
            publishFailedCounter.increment()
            pending.batch.complete(index: pending.index, error: .confirmTimedOut)
            waitingHead += 1
            expired += 1
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        }
        logger.warning(
            "publishes waited too long for the broker; they fail and are retried by their callers",
            metadata: [
                "count": "\(expired)", "timeout": "\(configuration.confirmTimeout)",
            ])
    }

    /// Fails the publishes whose confirm is overdue (``AMQPConfiguration/confirmTimeout``),
    /// oldest first; a confirm that still comes for one of them later is ignored.
    func expireOverdueConfirms() {
        let expired = Self.takeOverdue(
            from: &inFlight, lowestUnconfirmed: &lowestUnconfirmed, nextSequence: nextSequence,
            sentBefore: ContinuousClock.now - configuration.confirmTimeout
        )
        guard !expired.isEmpty else { return }
        logger.warning(
            "publisher confirms overdue; those publishes fail and are retried by their callers",
            metadata: [
                "count": "\(expired.count)", "timeout": "\(configuration.confirmTimeout)",
            ])
        for pending in expired {
            if let id = pending.message.properties.messageID { returned.removeValue(forKey: id) }
            publishFailedCounter.increment()
            pending.batch.complete(index: pending.index, error: .confirmTimedOut)
        }
    }

    /// Removes and returns, in publish order, the in-flight publishes sent before `cutoff`.
    /// Publishes are sent in sequence order, so the scan stops at the first recent one.
    static func takeOverdue(
        from inFlight: inout [UInt64: PendingPublish], lowestUnconfirmed: inout UInt64, nextSequence: UInt64,
        sentBefore cutoff: ContinuousClock.Instant
    ) -> [PendingPublish] {
        var expired: [PendingPublish] = []
        while lowestUnconfirmed < nextSequence {
            if let pending = inFlight[lowestUnconfirmed] {
                guard let sentAt = pending.sentAt, sentAt < cutoff else { break }
                inFlight.removeValue(forKey: lowestUnconfirmed)
                expired.append(pending)
            }
            lowestUnconfirmed += 1
        }
        return expired
    }

    /// Settles publishes from a `basic.ack`/`basic.nack`. A message the broker returned
    /// first (mandatory, unroutable) fails even though it is then acked.
    func confirm(upTo tag: UInt64, multiple: Bool, error: AMQPError?) {
        let first = multiple ? lowestUnconfirmed : tag
        guard first <= tag else { return }
        for sequence in first...tag {
            guard let pending = inFlight.removeValue(forKey: sequence) else { continue }
            var outcome = error
            if let id = pending.message.properties.messageID, let returnedError = returned.removeValue(forKey: id) {
                outcome = outcome ?? returnedError
            }
            if outcome != nil { publishFailedCounter.increment() }
            pending.batch.complete(index: pending.index, error: outcome)
        }
        while lowestUnconfirmed < nextSequence, inFlight[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }
}
