import CRabbitMQ

extension ConnectionWorker {
    /// Runs one ``AMQPManagementOperation`` on the control channel. A refusal that closes the
    /// channel (a missing queue for a passive declare, a queue still in use) reopens it, so
    /// one refused operation never stops the next.
    func manage(_ operation: AMQPManagementOperation) throws(AMQPError) -> UInt32? {
        guard let state else { throw .connectionLost("not connected") }
        let channel = Self.controlChannel
        let arena = CArena()
        let empty = amqp_table_t(num_entries: 0, entries: nil)
        do {
            switch operation {
            case .bind(let queue, let exchange, let routingKey):
                _ = amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), empty)
                try checkReply("queue.bind \(queue) \(exchange) \(routingKey)")
                return nil
            case .unbind(let queue, let exchange, let routingKey):
                _ = amqp_queue_unbind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), empty)
                try checkReply("queue.unbind \(queue) \(exchange) \(routingKey)")
                return nil
            case .messageCount(let queue):
                let ok = amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, empty)
                try checkReply("queue.declare passive \(queue)")
                return ok?.pointee.message_count
            case .deleteQueueIfEmpty(let queue):
                let ok = amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, empty)
                try checkReply("queue.declare passive \(queue)")
                guard ok?.pointee.message_count == 0 else { return nil }
                // Quorum queues refuse `if-empty` (and the broker closes the connection for
                // it): the count just read decides. Only for a queue nothing routes to any more.
                _ = amqp_queue_delete(state, channel, arena.bytes(queue), 0, 0)
                try checkReply("queue.delete \(queue)")
                return 1
            }
        } catch {
            guard case .channelClosed(let code, _) = error else { throw error }
            _ = sb_send_channel_close_ok(state, channel)
            try openChannel(channel)
            // 404: the queue does not exist.
            if code == 404 {
                switch operation {
                case .messageCount: return nil
                case .deleteQueueIfEmpty: return 1
                case .bind, .unbind: break
                }
            }
            throw error
        }
    }
}
