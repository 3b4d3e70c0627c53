import NIOCore
import NIOPosix

/// Where the process's Swift concurrency jobs run (`SWITCHBOARD_EXECUTOR`).
///
/// Every statement a service sends to PostgreSQL and every HTTP request it serves is I/O on
/// one of NIO's event loops, and the code awaiting it runs on Swift's cooperative pool: with
/// separate threads, each await of I/O is two thread switches (a futex wake-up each way).
/// On NIO's event loops the awaiting code mostly resumes on the thread that did the I/O.
/// At 50 SMS/s that takes 11–18 % off the services' CPU per inbound SMS; from 130 SMS/s up
/// the CPU is the same either way (docs/benchmark.md, "fourth" and "ninth pass"). It is
/// process-wide and set once at start, before the service starts.
///
/// It is not the default. The shutdown hang that first held it back was most likely a
/// PostgreSQL pool that never closed, seen under `standard` too and now given a limit
/// (``PostgresPoolService``). What keeps it back now is load: with the machine saturated,
/// two of three rate sweeps on the event loops had a step where a backlog formed, against
/// none of three on Swift's pool (docs/decisions.md). So `standard` is what runs, and
/// `event-loops` is an operator's choice for hosts with CPU to spare. Nothing in
/// Switchboard blocks the thread a task runs on (rabbitmq-c, libvips, Hunspell and media's
/// file work, decoding and hashing run on threads of their own, and nothing calls
/// `EventLoopFuture.wait()`), which the event loops would require.
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
