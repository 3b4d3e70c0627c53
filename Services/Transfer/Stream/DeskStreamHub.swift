import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import SwitchboardAMQP
import SwitchboardDatabase
import SwitchboardModels
import SwitchboardServiceKit
import Synchronization

/// The desktops' streams open on this replica, and the loops that feed them.
///
/// Replicas share nothing in memory: the feed is in PostgreSQL (``PostgresDeskFeed``), and a
/// `NOTIFY` with the agent's id, sent at commit, tells every replica's hub to read that agent's
/// new events for the streams it holds. A safety pass every few seconds reads for every open
/// stream, so a notification lost while `LISTEN` reconnects delays an event, never loses it.
///
/// A hub never waits for a desktop: it hands each stream what fits in its buffer; one that
/// stays full or stuck in a write past the stall limit is ended (``StreamEnd/fellBehind``).
final class DeskStreamHub: Service, Sendable {
    let feed: PostgresDeskFeed
    let tickets: PostgresStreamTickets
    let queueCounts: PostgresQueueCounts
    let client: PostgresClient
    let settings: StreamSettings
    let logger: Logger
    private let waitUntilReady: @Sendable () async -> Void
    /// Readiness (``ProgressMonitor``): holds one unit while feed reads keep failing, so a
    /// hub that cannot read the feed is reported, not silently quiet.
    private let reading: ProgressMonitor?
    /// Holds one unit while the feed's `LISTEN` is down (the 5 s safety read still delivers,
    /// late: a `LISTEN` down for long is worth an operator's eye).
    private let listening: ProgressMonitor?

    private struct State {
        var byAgent: [String: [DeskConnection]] = [:]
        var count = 0
        var dirty: Set<String> = []
        var stopping = false
    }

    private let state = Mutex(State())
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    /// How many feed rows one read takes (all agents together), shared out per agent
    /// (``minimumPerAgent`` at least each).
    static let readPage = 1_000
    static let minimumPerAgent = 16

    init(
        feed: PostgresDeskFeed, tickets: PostgresStreamTickets, queueCounts: PostgresQueueCounts, client: PostgresClient,
        settings: StreamSettings, logger: Logger, waitUntilReady: @escaping @Sendable () async -> Void,
        reading: ProgressMonitor? = nil, listening: ProgressMonitor? = nil
    ) {
        self.reading = reading
        self.listening = listening
        self.feed = feed
        self.tickets = tickets
        self.queueCounts = queueCounts
        self.client = client
        self.settings = settings
        self.logger = logger
        self.waitUntilReady = waitUntilReady
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Streams

    /// Registers a stream that starts after feed number `cursor`, or refuses it for a limit.
    func open(identity: Identity, queues: Set<String>, channel: (any Channel)?, cursor: Int64) throws(StreamLimitError) -> DeskConnection {
        let connection = DeskConnection(identity: identity, queues: queues, channel: channel, cursor: cursor, capacity: settings.bufferEvents)
        let result = state.withLock { state -> Result<Int, StreamLimitError> in
            if state.stopping { return .failure(.stopping) }
            if state.count >= settings.maxConnections { return .failure(.replicaFull(limit: settings.maxConnections)) }
            let own = state.byAgent[identity.agentID, default: []]
            if own.count >= settings.maxPerAgent { return .failure(.tooManyForAgent(limit: settings.maxPerAgent)) }
            state.byAgent[identity.agentID] = own + [connection]
            state.count += 1
            state.dirty.insert(identity.agentID)
            return .success(state.count)
        }
        switch result {
        case .success(let count):
            StreamMetrics.open(count)
            wake.yield()
            return connection
        case .failure(let error):
            throw error
        }
    }

    /// Forgets a stream (its writer returned).
    func close(_ connection: DeskConnection) {
        let count = state.withLock { state -> Int in
            guard var own = state.byAgent[connection.agentID], let index = own.firstIndex(where: { $0 === connection }) else {
                return state.count
            }
            own.remove(at: index)
            state.byAgent[connection.agentID] = own.isEmpty ? nil : own
            state.count -= 1
            return state.count
        }
        StreamMetrics.open(count)
    }

    /// A stream drained its buffer after being behind: read its agent's feed again.
    func drained(_ connection: DeskConnection) {
        state.withLock { _ = $0.dirty.insert(connection.agentID) }
        wake.yield()
    }

    var openCount: Int { state.withLock { $0.count } }

    // MARK: Service

    func run() async throws {
        await waitUntilReady()
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.listen() }
                    group.addTask { await self.deliverLoop() }
                    group.addTask { await self.tickLoop() }
                    group.addTask { await self.housekeeping() }
                }
            }
        } onGracefulShutdown: {
            self.stopAll()
        }
    }

    /// Ends every stream (SIGTERM): each writer sends what it holds and returns, well
    /// inside the shutdown budget; desktops reconnect to another replica.
    func stopAll() {
        let all = state.withLock { state -> [DeskConnection] in
            state.stopping = true
            return state.byAgent.values.flatMap { $0 }
        }
        for connection in all { connection.finish(.shutdown) }
        wake.finish()
    }

    private var all: [DeskConnection] { state.withLock { $0.byAgent.values.flatMap { $0 } } }

    /// `LISTEN` on the feed's channel; each notification marks its agent dirty.
    private func listen() async {
        while !Task.isCancelled, !state.withLock({ $0.stopping }) {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: self.feed.notifyChannel) { notifications in
                        if let listening = self.listening, listening.heldCount > 0 { listening.release(listening.heldCount) }
                        self.listening?.completed()
                        self.markAllDirty()
                        for try await notification in notifications {
                            self.state.withLock { state in
                                if state.byAgent[notification.payload] != nil { state.dirty.insert(notification.payload) }
                            }
                            self.wake.yield()
                        }
                    }
                }
            } catch {
                if Task.isCancelled || state.withLock({ $0.stopping }) { return }
                if let listening, listening.heldCount == 0 { listening.hold() }
                logger.warning("desk feed LISTEN connection lost; retrying", metadata: ["reason": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func markAllDirty() {
        state.withLock { state in state.dirty.formUnion(state.byAgent.keys) }
        wake.yield()
    }

    /// Reads the dirty agents' new events and hands them to their streams.
    private func deliverLoop() async {
        for await _ in wakes {
            while true {
                let work = state.withLock { state -> [String: [DeskConnection]] in
                    var work: [String: [DeskConnection]] = [:]
                    for agent in state.dirty { work[agent] = state.byAgent[agent]?.filter { !$0.isEnded && !$0.isFull } }
                    state.dirty.removeAll()
                    return work.filter { !($0.value.isEmpty) }
                }
                guard !work.isEmpty else { break }
                do {
                    let cursors = work.mapValues { connections in connections.map(\.cursor).min() ?? 0 }
                    let perAgent = max(Self.minimumPerAgent, Self.readPage / cursors.count)
                    let rows = try await feed.events(after: cursors, perAgent: perAgent, client: client, logger: logger)
                    reading?.completed()
                    if let reading, reading.heldCount > 0 { reading.release(reading.heldCount) }
                    let byAgent = Dictionary(grouping: rows, by: \.agentID)
                    for (agent, connections) in work {
                        let own = byAgent[agent] ?? []
                        for connection in connections { connection.deliver(own) }
                    }
                    // An agent whose share was full may have more: read it again (the others
                    // were read to the end, so a busy agent never holds them up).
                    let more = byAgent.filter { $0.value.count >= perAgent }.keys
                    if !more.isEmpty {
                        state.withLock { state in state.dirty.formUnion(more) }
                    }
                } catch {
                    if Task.isCancelled { return }
                    if let reading, reading.heldCount == 0 { reading.hold() }
                    logger.warning("desk feed read failed; retrying", metadata: ["reason": "\(error)"])
                    state.withLock { state in state.dirty.formUnion(work.keys) }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Every second: heartbeats, stalled desktops, expired credentials; every few seconds a
    /// safety read for every stream; supervisors' queue counts at their sampling interval.
    private func tickLoop() async {
        var ticks = 0
        let sampleEvery = max(1, Int(settings.queueSample.components.seconds))
        while !Task.isCancelled, !state.withLock({ $0.stopping }) {
            try? await Task.sleep(for: .seconds(1))
            ticks += 1
            let now = ContinuousClock.now
            let wallNow = Date()
            for connection in all {
                if let channel = connection.channel, !channel.isActive {
                    // Gone before its response was written (the writer would never run to
                    // forget it) or while idle: free its place under the caps now.
                    connection.finish(.disconnected)
                    close(connection)
                } else if let expiry = connection.identity.expiresAt, expiry <= wallNow {
                    connection.finish(.credentialExpired)
                } else if connection.isStalled(limit: settings.stallLimit, now: now) {
                    end(connection, .fellBehind)
                } else {
                    connection.heartbeatIfIdle(settings.heartbeat, now: now)
                }
            }
            if ticks % 5 == 0 { markAllDirty() }
            if ticks % sampleEvery == 0 { await sampleQueues() }
        }
    }

    /// Ends a stream that fell behind: the writer sends `resync` if it can; one stuck in a
    /// write cannot, so its socket is closed, which fails the write.
    private func end(_ connection: DeskConnection, _ reason: StreamEnd) {
        let stuck = connection.isWriting
        connection.finish(reason)
        logger.info(
            "desk stream ended", metadata: ["agent_id": "\(connection.agentID)", "reason": "\(reason.rawValue)", "stuck_in_write": "\(stuck)"])
        if stuck { connection.channel?.close(promise: nil) }
    }

    private func sampleQueues() async {
        let watchers = all.filter { !$0.queues.isEmpty && !$0.isEnded }
        guard !watchers.isEmpty else { return }
        let queues = watchers.reduce(into: Set<String>()) { $0.formUnion($1.queues) }
        do {
            let counts = try await queueCounts.counts(of: queues, client: client, logger: logger)
            for watcher in watchers {
                for count in counts where watcher.queues.contains(count.queue) && watcher.swapQueueCounts(count) {
                    guard let data = try? SwitchboardJSON.encoder().encode(count) else { continue }
                    watcher.send(.queue, data: String(decoding: data, as: UTF8.self))
                }
            }
        } catch {
            logger.warning("queue counts for supervisors failed", metadata: ["reason": "\(error)"])
        }
    }

    /// Every minute: events past the replay window, tickets never used.
    private func housekeeping() async {
        while !Task.isCancelled, !state.withLock({ $0.stopping }) {
            do {
                let removed = try await feed.purge(olderThan: settings.replayWindow, client: client, logger: logger)
                try await tickets.purgeExpired(client: client, logger: logger)
                if removed > 0 { logger.debug("desk events past the replay window removed", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.warning("desk feed purge failed", metadata: ["reason": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }
}
