import Dispatch

/// Runs blocking file-system work (writes with `fsync`, reads of stored blobs, existence
/// checks) and CPU work over whole media (base64 decoding, SHA-256) on a Dispatch queue,
/// off the threads Swift concurrency runs on — NIO's event loops by default
/// (`ConcurrencyExecutor`), whose sockets would wait meanwhile.
enum Blocking {
    private static let queue = DispatchQueue(label: "switchboard.media.files", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
