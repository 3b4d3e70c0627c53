import NIOCore
import NIOPosix

/// Where the process's Swift concurrency jobs run (`SWITCHBOARD_EXECUTOR`).
///
/// Every statement a service sends to PostgreSQL and every HTTP request it serves is I/O on
/// one of NIO's event loops, and the code awaiting it runs on Swift's cooperative pool: with
/// separate threads, each await of I/O is two thread switches (a futex wake-up each way).
/// On NIO's event loops the awaiting code mostly resumes on the thread that did the I/O.
/// At 50 SMS/s that took a sixth off the services' CPU per inbound SMS (docs/benchmark.md,
/// "fourth pass"). It is process-wide and set once at start, before the service starts.
///
/// It is not the default: in its first full CI run, `ingest` once did not finish its
/// graceful shutdown within ServiceLifecycle's cancellation timeout, and the cause is not
/// known yet (docs/decisions.md). Until it is, `standard` (Swift's own pool) is what runs,
/// and `event-loops` is an operator's choice. Nothing in Switchboard blocks the thread a
/// task runs on (rabbitmq-c, libvips, Hunspell and media's file work, decoding and hashing
/// run on threads of their own, and nothing calls `EventLoopFuture.wait()`), which the
/// event loops would require.
public enum ConcurrencyExecutor: String, Sendable, CaseIterable {
    /// NIO's event loops (`MultiThreadedEventLoopGroup.singleton`) run every job.
    case eventLoops = "event-loops"
    /// Swift's cooperative pool: the default.
    case standard

    /// Makes this the process's executor. Returns whether jobs now run on NIO's event loops:
    /// false for `standard`, and for `eventLoops` where the runtime offers no hook for it.
    /// Call once, on the main thread (NIO checks that on Darwin), before the service
    /// starts anything (``ServiceMain``).
    func install() -> Bool {
        switch self {
        case .eventLoops: NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        case .standard: false
        }
    }
}
