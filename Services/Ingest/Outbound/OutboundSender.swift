import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels

/// Sends the SMS queued in `ingest.outbound_sms` through their channel's carrier
/// (docs/architecture.md 10.1), however many replicas run.
///
/// Each round, in one transaction, it locks due SMS (`FOR UPDATE SKIP LOCKED`), takes per
/// channel about two seconds' worth at the channel's rate, reserves that many send slots on
/// the channel's shared row (``PostgresOutboundStore/reserveSlots(channel:count:rate:on:logger:)``)
/// and leases them. Then one task per message sends its SMS in order, each at its slot, and
/// records each outcome in a transaction of its own:
/// - taken: `sent`, with the carrier's ids mapped to our message and part (``ReceiptRecorder``);
/// - a timeout, 5xx, 429 or a channel that does not send now: tried again later
///   (``SendRetryPolicy``, `Retry-After` honoured); its message's later parts wait with it;
/// - refused for good, or out of attempts: `failed`, with the carrier's code and reason.
///
/// The one window where an SMS can go twice: the carrier took it and the process died
/// before recording so; the lease runs out and the SMS is sent again. Outside it, a restart
/// never sends twice: what was recorded `sent` is never leased again, and what was leased but
/// not yet sent is simply sent after the lease.
struct OutboundSender: Service {
    let store: PostgresOutboundStore
    let channels: PostgresChannelStore
    let recorder: ReceiptRecorder
    let simulator: SimulatorCarrier
    let transport: any CarrierTransport
    let client: PostgresClient
    let outbox: Outbox
    /// Wakes the sender when this process queued SMS.
    let signal: OutboxSignal
    let retry: SendRetryPolicy
    /// How long one carrier request may take.
    let attemptTimeout: Duration
    /// Messages being sent at once, at most.
    let maxInFlight: Int
    let waitUntilReady: @Sendable () async -> Void
    /// Holds one unit of work while rounds fail, so a sender that cannot claim for a
    /// minute makes readiness 503 (``ProgressMonitor``).
    let progress: ProgressMonitor?
    let logger: Logger

    /// How far ahead a round reserves a channel's slots: about this many seconds of its rate.
    static let roundSeconds = 2.0
    static let lockLimit = 500
    /// How long graceful shutdown waits for carrier requests in flight.
    static let shutdownDrain: Duration = .seconds(3)

    private struct MessageJob: Sendable {
        var channel: ChannelSettings
        var rows: [QueuedSMS]
        /// When each row may go, from the round's start.
        var slots: [Duration]
    }

    func run() async throws {
        await waitUntilReady()
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        let inFlight = InFlightCount()
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask { for await _ in signal.wakeups { wake.yield() } }
            group.addTask {
                while !Task.isCancelled {
                    wake.yield()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    let capacity = maxInFlight - inFlight.value
                    guard capacity > 0 else { continue }
                    let jobs: [MessageJob]
                    do {
                        jobs = try await claim(maxMessages: capacity)
                        progress?.completed()
                        if let progress, progress.heldCount > 0 { progress.release(progress.heldCount) }
                    } catch {
                        if let progress, progress.heldCount == 0 { progress.hold() }
                        logger.warning("outbound round failed; will retry", metadata: ["reason": "\(String(reflecting: error))"])
                        continue
                    }
                    let started = ContinuousClock.now
                    for job in jobs {
                        inFlight.add(1)
                        group.addTask {
                            await send(job, from: started)
                            inFlight.add(-1)
                            wake.yield()
                        }
                    }
                }
            } onGracefulShutdown: {
                wake.finish()
            }
            // The in-flight messages finish (their waits for a slot end at once and give the
            // SMS back) within the shutdown budget; a carrier request still unanswered then is
            // cancelled and its SMS sent again after its lease — the documented window, if the
            // carrier had taken it.
            let deadline = ContinuousClock.now + Self.shutdownDrain
            while inFlight.value > 0, !Task.isCancelled, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
    }

    /// Locks, takes and leases a round of SMS; returns them as one job per message.
    private func claim(maxMessages: Int) async throws -> [MessageJob] {
        try await outbox.transaction(on: client, logger: logger) { connection in
            let due = try await store.lockDue(limit: Self.lockLimit, on: connection, logger: logger)
            guard !due.isEmpty else { return [] }
            let settings = try await channels.channels(named: Array(Set(due.map(\.channel))), on: connection, logger: logger)
            var jobs: [MessageJob] = []
            var byChannel: [String: [QueuedSMS]] = [:]
            var channelOrder: [String] = []
            for row in due {
                if byChannel[row.channel] == nil { channelOrder.append(row.channel) }
                byChannel[row.channel, default: []].append(row)
            }
            var messages = 0
            for name in channelOrder {
                guard messages < maxMessages, let rows = byChannel[name] else { break }
                guard let channel = settings[name], channel.carrier != .amqp, let outbound = channel.outbound, outbound.enabled else {
                    // Queued while the channel sent; it does not now: tried again later, failed in the end.
                    try await store.lease(rows, leaseSeconds: 60, on: connection, logger: logger)
                    for var row in rows {
                        row.attempts += 1
                        try await settle(
                            row, as: .retryable(reason: "channel \(name) does not send now", retryAfter: nil), channel: nil, on: connection)
                    }
                    continue
                }
                // About a round's worth at the channel's rate, whole messages, at least one.
                let quota = max(1, Int(outbound.maxPerSecond * Self.roundSeconds))
                var taken: [[QueuedSMS]] = []
                var count = 0
                for row in rows {
                    if let last = taken.last?.last, last.messageID == row.messageID {
                        taken[taken.count - 1].append(row)
                    } else {
                        guard count < quota, messages + taken.count < maxMessages else { break }
                        taken.append([row])
                    }
                    count += 1
                }
                let first = try await store.reserveSlots(channel: name, count: count, rate: outbound.maxPerSecond, on: connection, logger: logger)
                let interval = Duration.milliseconds(Int64(1000 / outbound.maxPerSecond))
                let lease =
                    Double(first.components.seconds) + Double(count) / outbound.maxPerSecond
                    + Double(attemptTimeout.components.seconds) * Double(taken.map(\.count).max() ?? 1) + 15
                try await store.lease(taken.flatMap { $0 }, leaseSeconds: lease, on: connection, logger: logger)
                var index = 0
                for rows in taken {
                    let slots = rows.indices.map { first + interval * (index + $0) }
                    index += rows.count
                    jobs.append(
                        MessageJob(
                            channel: channel,
                            rows: rows.map {
                                var row = $0
                                row.attempts += 1
                                return row
                            }, slots: slots))
                }
                messages += taken.count
            }
            return jobs
        }
    }

    /// Sends one message's SMS in order; a part that must wait holds the parts after it.
    private func send(_ job: MessageJob, from started: ContinuousClock.Instant) async {
        for (index, row) in job.rows.enumerated() {
            let slot = started + job.slots[index]
            if slot > .now { try? await cancelWhenGracefulShutdown { try await Task.sleep(until: slot, clock: .continuous) } }
            if Task.isShuttingDownGracefully || Task.isCancelled {
                // Not sent: back to the queue at once, for the next start or another replica.
                await release(Array(job.rows[index...]))
                return
            }
            let outcome = await attempt(row, channel: job.channel)
            await settleAll([row], as: outcome, job)
            if case .retryable = outcome, index + 1 < job.rows.count {
                let waiting = Array(job.rows[(index + 1)...])
                await settleAll(waiting, as: .retryable(reason: "an earlier part of the message waits", retryAfter: nil), job)
                return
            }
        }
    }

    /// Hands one SMS to its carrier and classifies the answer.
    private func attempt(_ row: QueuedSMS, channel: ChannelSettings) async -> CarrierSendOutcome {
        guard channel.carrier != .simulator else { return .accepted(carrierIDs: []) }
        guard let format = CarrierWireFormats.wireFormat(for: channel.carrier), let outbound = channel.outbound else {
            return .refused(code: nil, reason: "carrier \(channel.carrier.rawValue) cannot send")
        }
        let submission = CarrierSubmission(
            apiBaseURL: outbound.apiBaseUrl ?? OutboundSettings.publicAPIBaseURL(of: channel.carrier) ?? "",
            credentials: channel.credentials, from: row.from, to: row.to, text: row.text,
            encoding: row.encoding == "ucs2" ? .ucs2 : .gsm7, statusCallbackURL: ReceiptWebhookURL.url(for: channel) ?? "",
            reference: row.reference
        )
        let request: CarrierHTTPRequest
        do {
            request = try format.request(for: submission)
        } catch {
            return .refused(code: nil, reason: error.reason)
        }
        let began = ContinuousClock.now
        do {
            let response = try await transport.perform(request, timeout: attemptTimeout)
            let took = ContinuousClock.now - began
            Timer(
                label: "switchboard_ingest_send_duration_seconds", dimensions: [("carrier", channel.carrier.rawValue)], preferredDisplayUnit: .seconds
            )
            .recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
            return format.outcome(status: response.status, headers: response.headers, body: response.body, submission: submission, now: Date())
        } catch {
            return .retryable(reason: "no answer from \(channel.carrier.rawValue): \(error)", retryAfter: nil)
        }
    }

    /// Gives SMS this replica will not send back to the queue, due at once.
    private func release(_ rows: [QueuedSMS]) async {
        _ = try? await outbox.transaction(on: client, logger: logger) { connection in
            for row in rows {
                try await store.markRetry(row, after: .zero, reason: "the sending replica stopped", on: connection, logger: logger)
            }
        }
    }

    private func settleAll(_ rows: [QueuedSMS], as outcome: CarrierSendOutcome, _ job: MessageJob) async {
        do {
            try await outbox.transaction(on: client, logger: logger) { connection in
                for row in rows { try await settle(row, as: outcome, channel: job.channel, on: connection) }
            }
        } catch {
            // The lease runs out and the SMS is sent again: the documented window if it had gone.
            logger.error(
                "could not record an outbound SMS's outcome", metadata: ["message_id": "\(rows.first?.messageID ?? "-")", "reason": "\(error)"])
        }
    }

    /// Records one SMS's outcome in the caller's transaction.
    private func settle(_ row: QueuedSMS, as outcome: CarrierSendOutcome, channel: ChannelSettings?, on connection: PostgresConnection) async throws {
        let now = Date()
        switch outcome {
        case .accepted(var carrierIDs):
            if let channel, let outbound = channel.outbound, channel.carrier == .simulator {
                carrierIDs = [try await simulator.accept(row, settings: outbound, on: connection, logger: logger)]
            }
            guard try await store.markSent(row, carrierIDs: carrierIDs, on: connection, logger: logger) else { return }
            for (index, carrierID) in carrierIDs.enumerated() {
                // A whole text the carrier split with one id per SMS: each id is its part.
                let part = row.part == 0 && carrierIDs.count == row.partsTotal && row.partsTotal > 1 ? index + 1 : row.statusPart
                try await recorder.recordAccepted(
                    channel: row.channel, carrierID: carrierID, mapping: .init(messageID: row.messageID, part: part),
                    traceparent: row.traceparent, now: now, on: connection
                )
            }
            Counter(label: "switchboard_ingest_sms_sent_total", dimensions: [("channel", row.channel)]).increment()
        case .retryable(let reason, let retryAfter):
            switch retry.decide(attempts: row.attempts, retryAfter: retryAfter) {
            case .retry(let after):
                try await store.markRetry(row, after: after, reason: reason, on: connection, logger: logger)
                Counter(label: "switchboard_ingest_sms_retried_total", dimensions: [("channel", row.channel)]).increment()
                logger.notice(
                    "outbound SMS will be retried",
                    metadata: ["message_id": "\(row.messageID)", "part": "\(row.part)", "attempt": "\(row.attempts)", "reason": "\(reason)"])
            case .giveUp:
                try await fail(row, code: nil, reason: "not sent after \(row.attempts) attempts; last: \(reason)", on: connection, now: now)
            }
        case .refused(let code, let reason):
            try await fail(row, code: code, reason: reason, on: connection, now: now)
        }
    }

    private func fail(_ row: QueuedSMS, code: String?, reason: String, on connection: PostgresConnection, now: Date) async throws {
        guard try await store.markFailed(row, code: code, reason: reason, on: connection, logger: logger) else { return }
        try await recorder.recordFailed(
            messageID: row.messageID, part: row.statusPart, errorCode: code, reason: reason, traceparent: row.traceparent, now: now,
            on: connection
        )
        Counter(label: "switchboard_ingest_sms_failed_total", dimensions: [("channel", row.channel)]).increment()
        logger.warning(
            "outbound SMS failed",
            metadata: ["message_id": "\(row.messageID)", "part": "\(row.part)", "code": "\(code ?? "-")", "reason": "\(reason)"])
    }
}
