import Dispatch

/// Runs blocking file-system work (writes with `fsync`, reads of stored blobs) on a
/// Dispatch queue, off Swift's cooperative pool.
enum Blocking {
    private static let queue = DispatchQueue(label: "switchboard.media.files", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
