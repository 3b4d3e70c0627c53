import CRabbitMQ
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers

/// Owns one rabbitmq-c connection and the one dedicated thread that ever touches it.
///
/// rabbitmq-c is not thread-safe and its calls block, so nothing here runs on Swift's
/// cooperative pool: async callers hand ``WorkerCommand``s over through a locked inbox
/// and a wake-up pipe, and the thread answers through continuations and streams. The
/// thread sleeps in `poll(2)` on the broker socket and the pipe, waking at least once a
/// second so heartbeats are serviced on an idle connection.
///
/// Channels: 1 declares the topology, 2 publishes in confirm mode, 3… one per consumer.
final class ConnectionWorker: @unchecked Sendable {
    struct Inbox {
        var commands: [WorkerCommand] = []
        var stopRequested = false
        /// False once a stop must not wait for confirms (the task was cancelled: the
        /// shutdown budget is spent, and the unconfirmed rows stay in the outbox).
        var waitForConfirms = true
    }

    let configuration: AMQPConfiguration
    let topology: AMQPTopology
    let logger: Logger

    private let inbox = NIOLockedValueBox(Inbox())
    private let connectedFlag = NIOLockedValueBox(false)
    let detachedFlag = NIOLockedValueBox<[String]>([])
    private let finished = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
    /// The broker socket while a connection is open (-1 otherwise), under a lock so that
    /// ``interruptBlockedIO()`` never shuts down a descriptor that was closed and reused.
    let openSocket = NIOLockedValueBox<Int32>(-1)
    /// How long a stop waits for the thread before it closes the socket under it.
    static let stopGrace: Duration = .seconds(5)
    /// The same for a stop that does not wait for confirms: cancellation, when
    /// ServiceLifecycle gives the whole process one second more, so a thread blocked in I/O
    /// (a send the broker does not read, an answer it never gives) must not keep it for the
    /// rest of ``stopGrace``.
    static let hurriedStopGrace: Duration = .milliseconds(300)
    private var wakeRead: Int32 = -1
    var wakeReadDescriptor: Int32 { wakeRead }
    private var wakeWrite: Int32 = -1

    // Everything below is confined to the connection thread.
    var state: amqp_connection_state_t?
    static let controlChannel: UInt16 = 1
    static let publishChannel: UInt16 = 2
    var channelEpochs: [UInt16: UInt64] = [:]
    /// Each open channel's deliveries not yet acked or rejected (reset when it opens).
    var unsettled: [UInt16: UnsettledDeliveries] = [:]
    var epochCounter: UInt64 = 0
    var nextSequence: UInt64 = 1
    var lowestUnconfirmed: UInt64 = 1
    var inFlight: [UInt64: PendingPublish] = [:]
    var waiting: [PendingPublish] = []
    var waitingHead = 0
    var returned: [String: AMQPError] = [:]
    var consumers: [ConsumerRegistration] = []
    var reattachAt: [ObjectIdentifier: ContinuousClock.Instant] = [:]
    var reconnectAttempt = 0
    var nextConnectAttempt = ContinuousClock.now
    /// Which of ``AMQPConfiguration/endpoints`` the next connection tries.
    var endpointIndex = 0

    let publishedCounter = Counter(label: "switchboard_amqp_published_total")
    let publishFailedCounter = Counter(label: "switchboard_amqp_publish_failures_total")
    let deliveredCounter = Counter(label: "switchboard_amqp_deliveries_total")
    let reconnectCounter = Counter(label: "switchboard_amqp_reconnects_total")

    init(configuration: AMQPConfiguration, topology: AMQPTopology, logger: Logger) {
        self.configuration = configuration
        self.topology = topology
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        if sb_make_wake_pipe(&fds) == 0 {
            wakeRead = fds[0]
            wakeWrite = fds[1]
        }
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    var isConnected: Bool { connectedFlag.withLockedValue { $0 } }

    /// The queues of registered consumers that are not attached (not cancelled, no
    /// channel): published by the connection thread after each pass, for readiness.
    var detachedQueues: [String] { detachedFlag.withLockedValue { $0 } }

    /// Publishes ``detachedQueues`` (connection thread only).
    func publishDetachedConsumers() {
        let detached = consumers.filter { !$0.cancelled && $0.channel == nil }.map(\.queue)
        detachedFlag.withLockedValue { if $0 != detached { $0 = detached } }
    }

    // MARK: - Called from any thread

    func submit(_ command: WorkerCommand) {
        submit([command])
    }

    /// Hands commands to the connection thread under one lock and one wake-up.
    func submit(_ commands: [WorkerCommand]) {
        // nil: refused (stopping); true: the inbox was empty, so the thread needs a wake-up
        // (a non-empty inbox already has one pending: the thread takes everything at once).
        let outcome = inbox.withLockedValue { inbox -> Bool? in
            guard !inbox.stopRequested else { return nil }
            let wasEmpty = inbox.commands.isEmpty
            inbox.commands.append(contentsOf: commands)
            return wasEmpty
        }
        switch outcome {
        case .some(true): sb_wake(wakeWrite)
        case .some(false): break
        case .none: for command in commands { reject(command, with: .shuttingDown) }
        }
    }

    /// Asks the thread to stop: it drains confirms for up to 3 s and closes. If it is still
    /// running after ``stopGrace`` it is blocked in a send the broker does not read (a memory
    /// or disk alarm blocks publishers), which no wake-up reaches: the socket is then shut
    /// down under it, so the send fails and the thread ends, and the process can exit
    /// within its shutdown budget. A publish blocked that way outside a stop keeps waiting:
    /// that is the broker's flow control, and the confirm timeout bounds its callers.
    ///
    /// A stop that does not wait for confirms (cancellation) arms the socket's shutdown after
    /// ``hurriedStopGrace`` even when a graceful stop was asked for before: the graceful
    /// stop's grace would end after the process's cancellation budget.
    func requestStop(waitingForConfirms: Bool = true) {
        let (first, firstHurried) = inbox.withLockedValue { inbox -> (Bool, Bool) in
            defer { inbox.stopRequested = true }
            let firstHurried = !waitingForConfirms && inbox.waitForConfirms
            if !waitingForConfirms { inbox.waitForConfirms = false }
            return (!inbox.stopRequested, firstHurried)
        }
        sb_wake(wakeWrite)
        guard first || firstHurried else { return }
        let milliseconds = Int(Self.milliseconds(waitingForConfirms ? Self.stopGrace : Self.hurriedStopGrace))
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { [weak self] in
            self?.interruptBlockedIO()
        }
    }

    /// Shuts the socket down if the thread has not finished (see ``requestStop()``).
    func interruptBlockedIO() {
        guard finished.withLockedValue({ $0 != nil }) else { return }
        openSocket.withLockedValue { descriptor in
            guard descriptor >= 0 else { return }
            logger.warning(
                "AMQP connection did not stop in time (a send the broker does not read, as under a memory alarm); closing its socket",
                metadata: ["grace_ms": "\(Self.milliseconds(Self.stopGrace))"])
            sb_shutdown_socket(descriptor)
        }
    }

    /// Starts the thread and returns when it has stopped.
    func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            finished.withLockedValue { $0 = continuation }
            let name = configuration.threadName
            let thread = Thread { [self] in
                CurrentThread.setSystemName(name)
                self.threadMain()
            }
            thread.start()
        }
    }

    // MARK: - The thread

    private func threadMain() {
        while true {
            let (commands, stop) = inbox.withLockedValue { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return (inbox.commands, inbox.stopRequested)
            }
            // Each command on its own: a failure tears the connection down, and the commands
            // after it still apply, without I/O (a consume is registered and attached on
            // reconnect, a cancel ends its stream and resumes its caller, acks of the lost
            // connection's deliveries are moot) — none is silently dropped.
            for command in commands {
                do { try apply(command) } catch { connectionFailed(error) }
            }
            do {
                if stop { break }
                if state == nil {
                    expireStaleWaiting()
                    let now = ContinuousClock.now
                    if now < nextConnectAttempt {
                        sleepUntilWoken(milliseconds: Self.milliseconds(min(nextConnectAttempt - now, .seconds(1))))
                        continue
                    }
                    try connect()
                }
                try flushWaiting()
                try pumpFrames()
                expireOverdueConfirms()
                expireStaleWaiting()
                try reattachDueConsumers()
                publishDetachedConsumers()
            } catch {
                connectionFailed(error)
            }
        }
        shutdown()
    }

    private func connectionFailed(_ error: AMQPError) {
        let wasConnected = state != nil
        teardown(reason: error)
        reconnectAttempt += 1
        // Another node of the cluster next; backoff only once every node was tried.
        let plan = ReconnectPlan(endpoints: configuration.endpoints.count, maxDelay: configuration.maxReconnectDelay)
        endpointIndex = plan.nextEndpoint(after: endpointIndex)
        let delaySeconds = plan.delaySeconds(attempt: reconnectAttempt)
        nextConnectAttempt = .now + .milliseconds(Int(delaySeconds * 1000))
        reconnectCounter.increment()
        logger.warning(
            wasConnected ? "AMQP connection lost; reconnecting" : "AMQP connection failed; retrying",
            metadata: [
                "reason": "\(error)", "retry_in_ms": "\(Int(delaySeconds * 1000))",
                "next_broker": "\(configuration.endpoints[endpointIndex])",
            ]
        )
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    func sleepUntilWoken(milliseconds: Int32) {
        let result = sb_poll_two(-1, wakeRead, milliseconds)
        if result > 0, result & 2 != 0 { sb_drain_wake_pipe(wakeRead) }
    }

    private func apply(_ command: WorkerCommand) throws(AMQPError) {
        switch command {
        case .publish(let messages, let batch):
            for (index, message) in messages.enumerated() {
                waiting.append(PendingPublish(message: message, batch: batch, index: index))
            }
        case .ack(let channel, let generation, let tags):
            guard let state, channelEpochs[channel] == generation else { return }
            // A channel without its ledger (not opened by ``openChannel``) acks one frame per tag.
            let frames = unsettled[channel]?.ack(tags) ?? tags.map { UnsettledDeliveries.AckFrame(tag: $0, multiple: false) }
            for frame in frames {
                let status = amqp_basic_ack(state, channel, frame.tag, frame.multiple ? 1 : 0)
                if status < 0 { throw .connectionLost(Self.statusText(status)) }
            }
        case .reject(let channel, let generation, let tag, let requeue):
            guard let state, channelEpochs[channel] == generation else { return }
            unsettled[channel]?.rejected(tag)
            let status = amqp_basic_nack(state, channel, tag, 0, requeue ? 1 : 0)
            if status < 0 { throw .connectionLost(Self.statusText(status)) }
        case .consume(let registration):
            consumers.append(registration)
            if state != nil { try attach(registration) }
        case .cancelConsumers(let continuation):
            defer { continuation.resume() }
            for consumer in consumers where !consumer.cancelled { try cancel(consumer) }
        case .cancelConsumer(let tag, let continuation):
            defer { continuation.resume() }
            for consumer in consumers where consumer.tag == tag && !consumer.cancelled { try cancel(consumer) }
        case .manage(let operation, let continuation):
            guard state != nil else {
                continuation.resume(returning: .failure(.connectionLost("not connected")))
                return
            }
            do {
                continuation.resume(returning: .success(try manage(operation)))
            } catch {
                continuation.resume(returning: .failure(error))
                if case .channelClosed = error { return }
                throw error
            }
        }
    }

    /// Stops the broker's deliveries to one consumer (`basic.cancel`) and ends its stream;
    /// deliveries already handed out can still be acked.
    private func cancel(_ consumer: ConsumerRegistration) throws(AMQPError) {
        consumer.cancelled = true
        defer { consumer.continuation.finish() }
        guard let state, let channel = consumer.channel else { return }
        let arena = CArena()
        _ = amqp_basic_cancel(state, channel, arena.bytes(consumer.tag))
        let reply = amqp_get_rpc_reply(state)
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            throw .connectionLost(CRead.replyError(reply, context: "basic.cancel"))
        }
    }

    private func reject(_ command: WorkerCommand, with error: AMQPError) {
        switch command {
        case .publish(let messages, let batch):
            for index in messages.indices { batch.complete(index: index, error: error) }
        case .consume(let registration):
            registration.continuation.finish()
        case .cancelConsumers(let continuation), .cancelConsumer(_, let continuation):
            continuation.resume()
        case .manage(_, let continuation):
            continuation.resume(returning: .failure(error))
        case .ack, .reject:
            break
        }
    }

    // MARK: - Shutdown

    private func shutdown() {
        // Commands that arrived after the stop request are refused.
        let late = inbox.withLockedValue { inbox in
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
        for command in late { reject(command, with: .shuttingDown) }
        for consumer in consumers where !consumer.cancelled {
            consumer.cancelled = true
            consumer.continuation.finish()
        }
        // Give in-flight publishes a moment to be confirmed before closing.
        if state != nil {
            let wait: Duration = inbox.withLockedValue { $0.waitForConfirms } ? .seconds(3) : .zero
            let deadline = ContinuousClock.now + wait
            do {
                try flushWaiting()
                while !inFlight.isEmpty, ContinuousClock.now < deadline { try pumpFrames() }
            } catch {
                logger.warning("AMQP connection lost during shutdown", metadata: ["reason": "\(error)"])
            }
            if let state { _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS) }
        }
        teardown(reason: .shuttingDown)
        for pending in waiting[waitingHead...] { pending.batch.complete(index: pending.index, error: .shuttingDown) }
        waiting.removeAll()
        waitingHead = 0
        logger.debug("AMQP connection thread stopped")
        let continuation = finished.withLockedValue { value in
            defer { value = nil }
            return value
        }
        continuation?.resume()
    }

    /// Drops the connection: in-flight publishes fail as `connectionLost` (their outcome is
    /// unknown; callers retry idempotently), unsent ones stay queued for the next connection,
    /// and deliveries from this connection can no longer be acked (the broker requeues them).
    func teardown(reason: AMQPError) {
        openSocket.withLockedValue { $0 = -1 }
        if let state { amqp_destroy_connection(state) }
        state = nil
        connectedFlag.withLockedValue { $0 = false }
        channelEpochs.removeAll()
        unsettled.removeAll()
        failInFlight(with: reason == .shuttingDown ? .shuttingDown : .connectionLost("\(reason)"))
        for consumer in consumers { consumer.channel = nil }
        reattachAt.removeAll()
    }

    func failInFlight(with error: AMQPError) {
        for (_, pending) in inFlight.sorted(by: { $0.key < $1.key }) {
            publishFailedCounter.increment()
            pending.batch.complete(index: pending.index, error: error)
        }
        inFlight.removeAll()
        returned.removeAll()
        nextSequence = 1
        lowestUnconfirmed = 1
    }

    static func statusText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    func markConnected() {
        connectedFlag.withLockedValue { $0 = true }
        reconnectAttempt = 0
    }
}
