import Foundation
import NIOCore
import SwitchboardServiceKit
import Synchronization

/// One open desktop stream on this replica: a bounded buffer of frames between the hub,
/// which fills it from the feed, and the response writer, which drains it to the socket.
///
/// The buffer is what keeps a slow desktop from costing anyone else: the hub never waits
/// for a desktop; it hands over what fits and remembers that the desktop is behind. A
/// desktop that stays behind past the stall limit is ended (``StreamEnd/fellBehind``).
final class DeskConnection: Sendable {
    /// What the writer gets next.
    enum Next: Sendable, Equatable {
        case frames([String])
        case end(StreamEnd)
    }

    let id = UUID()
    let identity: Identity
    /// Queues whose counts a supervisor asked for (`?queues=`); empty for agents.
    let queues: Set<String>
    /// The socket, closed to cut off a desktop stuck in a write.
    let channel: (any Channel)?
    let capacity: Int

    private struct State {
        var frames: [String] = []
        /// The newest feed number handed to this desktop (its next `Last-Event-ID`).
        var cursor: Int64
        var ended: StreamEnd?
        var waiter: CheckedContinuation<Next, Never>?
        /// Since when the hub had more for this desktop than its buffer held.
        var behindSince: ContinuousClock.Instant?
        var writingSince: ContinuousClock.Instant?
        var lastSent = ContinuousClock.now
        var queueCounts: [String: QueueCounts] = [:]
    }

    private let state: Mutex<State>

    init(identity: Identity, queues: Set<String>, channel: (any Channel)?, cursor: Int64, capacity: Int) {
        self.identity = identity
        self.queues = queues
        self.channel = channel
        self.capacity = capacity
        state = Mutex(State(cursor: cursor))
    }

    var agentID: String { identity.agentID }
    var cursor: Int64 { state.withLock { $0.cursor } }
    var isEnded: Bool { state.withLock { $0.ended != nil } }
    /// Why the stream ended, once it did.
    var endReason: StreamEnd? { state.withLock { $0.ended } }
    /// Whether the hub should hold back: the buffer is full.
    var isFull: Bool { state.withLock { $0.frames.count >= capacity } }

    /// Takes the feed rows after the cursor that fit. Returns false when some did not fit
    /// (the desktop is behind; the hub asks again once it drained).
    @discardableResult
    func deliver(_ rows: [DeskFeedRow]) -> Bool {
        var waiter: CheckedContinuation<Next, Never>?
        var next: Next?
        let tookAll = state.withLock { state -> Bool in
            guard state.ended == nil else { return true }
            var tookAll = true
            for row in rows where row.seq > state.cursor {
                guard state.frames.count < capacity else {
                    tookAll = false
                    break
                }
                state.frames.append(SSEFrame.event(id: row.seq, kind: row.event.kind, data: row.event.data))
                state.cursor = row.seq
            }
            if tookAll { state.behindSince = nil } else if state.behindSince == nil { state.behindSince = .now }
            if let pending = state.waiter, !state.frames.isEmpty {
                waiter = pending
                state.waiter = nil
                next = .frames(state.frames)
                state.frames.removeAll()
            }
            return tookAll
        }
        if let waiter, let next { waiter.resume(returning: next) }
        return tookAll
    }

    /// Queues an event that is not in the feed (`queue` counts): it carries the current
    /// cursor as its id, so a reconnect resumes the feed where it was.
    func send(_ kind: DeskEventKind, data: String) {
        push { state in SSEFrame.event(id: state.cursor, kind: kind, data: data) }
    }

    /// Queues a comment line when nothing was sent for `interval`.
    func heartbeatIfIdle(_ interval: Duration, now: ContinuousClock.Instant) {
        let idle = state.withLock { now - $0.lastSent >= interval && $0.frames.isEmpty && $0.writingSince == nil }
        if idle { push { _ in SSEFrame.heartbeat } }
    }

    /// The counts last sent for `queue`, replaced by `counts`; nil when they are new.
    func swapQueueCounts(_ counts: QueueCounts) -> Bool {
        state.withLock { state in
            guard state.queueCounts[counts.queue] != counts else { return false }
            state.queueCounts[counts.queue] = counts
            return true
        }
    }

    private func push(_ frame: (inout State) -> String) {
        var waiter: CheckedContinuation<Next, Never>?
        var next: Next?
        state.withLock { state in
            guard state.ended == nil else { return }
            state.frames.append(frame(&state))
            if let pending = state.waiter {
                waiter = pending
                state.waiter = nil
                next = .frames(state.frames)
                state.frames.removeAll()
            }
        }
        if let waiter, let next { waiter.resume(returning: next) }
    }

    /// Ends the stream; the writer sees it after what it already has. Idempotent.
    func finish(_ reason: StreamEnd) {
        let waiter = state.withLock { state -> CheckedContinuation<Next, Never>? in
            guard state.ended == nil else { return nil }
            state.ended = reason
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .end(reason))
    }

    /// Waits for frames or the end. Frames queued before the end are returned first.
    func next() async -> Next {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Next? in
                    if !state.frames.isEmpty {
                        defer { state.frames.removeAll() }
                        return .frames(state.frames)
                    }
                    if let ended = state.ended { return .end(ended) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish(.shutdown)
        }
    }

    /// The writer is writing: a write that takes longer than the stall limit is a stuck desktop.
    func writing(_ active: Bool) {
        state.withLock { state in
            state.writingSince = active ? .now : nil
            if !active { state.lastSent = .now }
        }
    }

    /// Whether this desktop has been behind (buffer full) or stuck in one write for `limit`.
    func isStalled(limit: Duration, now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            if let since = state.behindSince, now - since >= limit { return true }
            if let since = state.writingSince, now - since >= limit { return true }
            return false
        }
    }

    /// Whether the hub had more for this desktop than its buffer held.
    var isBehind: Bool { state.withLock { $0.behindSince != nil } }

    /// Whether the writer is inside a write right now (then it cannot send `resync`).
    var isWriting: Bool { state.withLock { $0.writingSince != nil } }
}
