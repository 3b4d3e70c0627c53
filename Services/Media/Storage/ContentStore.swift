import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The content-addressed store (issue #7): each blob is a file named by the SHA-256 of its
/// bytes, `<root>/<aa>/<bb>/<sha256>`, so identical media is stored once (and its thumbnail,
/// stored the same way, made once). Writes are atomic: a temporary file in `<root>/tmp`,
/// written, `fsync`ed, renamed into place, then the directory `fsync`ed; a reader sees a
/// blob whole or not at all, and a crash leaves at worst a stray temporary file.
struct ContentStore: Sendable {
    let root: URL

    enum StoreError: Error, CustomStringConvertible {
        case io(String)

        var description: String {
            switch self {
            case .io(let detail): "media store: \(detail)"
            }
        }
    }

    /// Creates the store's directories and checks that they are writable (a probe file is
    /// written, synced and removed). Throws with what is wrong. The probe's content is this
    /// process's own (a random token), so replicas that share the store and start together
    /// never read or remove each other's probe.
    init(path: String) throws {
        let root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: root.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError.io("\(root.path) exists and is not a directory") }
        } else {
            try manager.createDirectory(at: root, withIntermediateDirectories: true)
        }
        try manager.createDirectory(at: root.appendingPathComponent("tmp", isDirectory: true), withIntermediateDirectories: true)
        self.root = root
        let probe = Array("probe \(UUID().uuidString)".utf8)
        let digest = Self.sha256(probe)
        try write(probe, sha256: digest)
        guard try read(sha256: digest) == probe else { throw StoreError.io("\(root.path) does not read back what was written") }
        try? manager.removeItem(at: url(for: digest))
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    func url(for sha256: String) -> URL {
        let a = String(sha256.prefix(2))
        let b = String(sha256.dropFirst(2).prefix(2))
        return root.appendingPathComponent(a, isDirectory: true).appendingPathComponent(b, isDirectory: true)
            .appendingPathComponent(sha256)
    }

    func contains(sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: url(for: sha256).path)
    }

    /// Stores `bytes` under `sha256` unless a blob with that name is already there.
    func write(_ bytes: [UInt8], sha256: String) throws {
        precondition(Self.isDigest(sha256), "not a SHA-256 digest")
        let target = url(for: sha256)
        if FileManager.default.fileExists(atPath: target.path) { return }
        let directory = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = root.appendingPathComponent("tmp", isDirectory: true)
            .appendingPathComponent("\(sha256).\(UUID().uuidString.lowercased()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw StoreError.io("cannot create a temporary file: \(Self.errnoText())") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let result = systemWrite(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    unlink(temporary.path)
                    throw StoreError.io("cannot write: \(Self.errnoText())")
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else {
            unlink(temporary.path)
            throw StoreError.io("cannot fsync: \(Self.errnoText())")
        }
        close(descriptor)
        closed = true
        guard rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw StoreError.io("cannot rename into place: \(Self.errnoText())")
        }
        Self.syncDirectory(directory.path)
    }

    /// The blob's bytes, or nil when it is not in the store.
    func read(sha256: String) throws -> [UInt8]? {
        guard Self.isDigest(sha256) else { return nil }
        let target = url(for: sha256)
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        return [UInt8](try Data(contentsOf: target))
    }

    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// POSIX `write`, out of reach of ``ContentStore/write(_:sha256:)``'s name.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
