import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name to the addresses the fetcher will check and then connect to
/// (itself, by address: nothing resolves the name a second time, so DNS rebinding between
/// the check and the connection is not possible).
protocol HostResolver: Sendable {
    func resolve(_ host: String) async throws(FetchFailure) -> [IPAddress]
}

/// `getaddrinfo`, which blocks: it runs on a Dispatch queue, never on the cooperative pool.
struct SystemHostResolver: HostResolver {
    private static let queue = DispatchQueue(label: "switchboard.media.dns", attributes: .concurrent)

    func resolve(_ host: String) async throws(FetchFailure) -> [IPAddress] {
        let result: Result<[IPAddress], FetchFailure> = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Self.lookup(host)) }
        }
        return try result.get()
    }

    private static func lookup(_ host: String) -> Result<[IPAddress], FetchFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            if status == EAI_AGAIN { return .failure(.transient("cannot resolve \(host) (temporary DNS failure)")) }
            return .failure(.permanent("cannot resolve \(host)"))
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let socketAddress = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let value = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                    addresses.append(.v4(UInt32(bigEndian: value)))
                case AF_INET6:
                    var raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(.v6(withUnsafeBytes(of: &raw) { Array($0) }))
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var unique: [IPAddress] = []
        for address in addresses where !unique.contains(address) { unique.append(address) }
        guard !unique.isEmpty else { return .failure(.permanent("cannot resolve \(host) (no address)")) }
        return .success(unique)
    }
}
