import CRabbitMQ
import Foundation

extension ConnectionWorker {
    /// Publishes waiting messages while the confirm window has room.
    func flushWaiting() throws(AMQPError) {
        guard let state, channelEpochs[Self.publishChannel] != nil else { return }
        while waitingHead < waiting.count, inFlight.count < configuration.confirmWindow {
            let pending = waiting[waitingHead]
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
