import NIOCore
import NIOPosix

/// Where the process's Swift concurrency jobs run (`SWITCHBOARD_EXECUTOR`).
///
/// Every statement a service sends to PostgreSQL and every HTTP request it serves is I/O on
/// one of NIO's event loops, and the code awaiting it runs on Swift's cooperative pool: with
/// separate threads, each await of I/O is two thread switches (a futex wake-up each way).
/// On NIO's event loops the awaiting code mostly resumes on the thread that did the I/O.
/// At 50 SMS/s that took a sixth off the services' CPU per inbound SMS (docs/benchmark.md,
/// "fourth pass"). It is process-wide and set once at start, before the service starts;
/// `standard` keeps Swift's own pool, should a dependency ever block the thread it runs on
/// (nothing in Switchboard does: rabbitmq-c, libvips, Hunspell and media's file work,
/// decoding and hashing run on threads of their own, and nothing calls
/// `EventLoopFuture.wait()`).
public enum ConcurrencyExecutor: String, Sendable, CaseIterable {
    /// NIO's event loops (`MultiThreadedEventLoopGroup.singleton`) run every job: the default.
    case eventLoops = "event-loops"
    /// Swift's cooperative pool, as without the setting.
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
