import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwitchboardModels

/// Fetches a media URL under the rules of issue #7 (docs/architecture.md section 4):
///
/// - `http`/`https` only (``FetchURL``); the host is resolved *here* and every address
///   it resolves to must pass ``AddressPolicy`` (any refused address refuses the host),
///   unless the host name or the address is allow-listed; the connection then goes to
///   that checked address (the name is never resolved again, so a DNS answer cannot
///   change between check and connect); `Host` and TLS SNI/verification keep the name;
/// - redirects (301/302/303/307/308) are followed by hand, at most 3, each hop parsed and
///   checked like the first (``RedirectPolicy``: no downgrade to http, no other scheme);
/// - carrier credentials (HTTP basic) go only to the original URL's origin, and only when
///   it is one of the channel's (``MediaCredentials``);
/// - the size limit is enforced on `Content-Length` and again while the body streams;
/// - one attempt (redirects included) has `SWITCHBOARD_MEDIA_FETCH_TIMEOUT_SECONDS`;
/// - 5xx, 408, 429, timeouts and connection failures are retried, 3 attempts in all,
///   with exponential backoff and jitter; anything else fails at once.
struct MediaFetcher: Sendable {
    let settings: MediaSettings
    let resolver: any HostResolver
    let group: any EventLoopGroup
    let tls: NIOSSLContext
    let logger: Logger
    var redirects = RedirectPolicy()
    var backoff: Duration = .milliseconds(500)

    init(
        settings: MediaSettings, resolver: any HostResolver = SystemHostResolver(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) throws {
        self.settings = settings
        self.resolver = resolver
        self.group = group
        self.tls = try NIOSSLContext(configuration: .makeClientConfiguration())
        self.logger = logger
    }

    /// The body of `text`, or why not.
    func fetch(_ text: String, credentials: MediaCredentials?) async throws(FetchFailure) -> [UInt8] {
        let original: FetchURL
        do { original = try FetchURL(parsing: text) } catch { throw .permanent(error.description) }
        if let credentials, !credentials.mayBeSent(to: original) {
            logger.notice(
                "media URL is on none of its channel's credential origins; fetching it without them",
                metadata: ["url": "\(original.redacted)", "origin": "\(original.origin)"])
        }
        var attempt = 1
        while true {
            do {
                return try await fetchOnce(original, credentials: credentials)
            } catch let failure where failure.isTransient && attempt < settings.fetchAttempts {
                let delay = backoff * (1 << (attempt - 1))
                let jitter = Duration.milliseconds(Int.random(in: 0...100))
                logger.info(
                    "media fetch failed; retrying",
                    metadata: [
                        "url": "\(original.redacted)", "attempt": "\(attempt)", "reason": "\(failure.reason)",
                    ])
                try? await Task.sleep(for: delay + jitter)
                if Task.isCancelled { throw .transient("cancelled") }
                attempt += 1
            } catch {
                if error.isTransient { throw .transient("\(error.reason) (after \(attempt) attempts)") }
                throw error
            }
        }
    }

    /// One attempt: the URL and its redirects, within one time limit.
    private func fetchOnce(_ original: FetchURL, credentials: MediaCredentials?) async throws(FetchFailure) -> [UInt8] {
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Int64(settings.fetchTimeout.components.seconds) * 1_000_000_000)
        var url = original
        var followed = 0
        while true {
            let addresses = try await checkedAddresses(url)
            let authorization = credentials.flatMap {
                redirects.sendsCredentials(to: url, original: original) && $0.mayBeSent(to: url) ? $0.authorization : nil
            }
            let response = try await request(url, addresses: addresses, authorization: authorization, deadline: deadline)
            switch response {
            case .body(let bytes):
                return bytes
            case .redirect(let status, let location):
                do {
                    url = try redirects.next(from: url, status: status, location: location, followed: followed)
                } catch {
                    throw .permanent(error.description)
                }
                followed += 1
            }
        }
    }

    /// The addresses `url` may be fetched from, after the address check.
    func checkedAddresses(_ url: FetchURL) async throws(FetchFailure) -> [IPAddress] {
        let policy = settings.addressPolicy
        if let literal = url.address {
            if let refusal = policy.check(literal) { throw .permanent(refusal.description) }
            return [literal]
        }
        let resolved = try await resolver.resolve(url.host)
        if policy.isAllowListed(host: url.host) { return resolved }
        for address in resolved {
            if let refusal = policy.check(address) { throw .permanent("\(url.host) resolves to a refused \(refusal.description)") }
        }
        return resolved
    }

    private enum Outcome {
        case body([UInt8])
        case redirect(status: Int, location: String?)
    }

    private func request(_ url: FetchURL, addresses: [IPAddress], authorization: String?, deadline: NIODeadline) async throws(FetchFailure) -> Outcome
    {
        var lastError = "no address"
        for address in addresses {
            let remaining = deadline - .now()
            guard remaining > .zero else { throw .transient("timed out") }
            let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            do {
                channel = try await connect(url, address: address, timeout: min(remaining, .seconds(10)))
            } catch {
                lastError = "cannot connect to \(url.host): \(error)"
                continue
            }
            return try await exchange(on: channel, url: url, authorization: authorization, deadline: deadline)
        }
        throw .transient(lastError)
    }

    private func connect(
        _ url: FetchURL, address: IPAddress, timeout: TimeAmount
    ) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        let socketAddress = try SocketAddress(ipAddress: address.description, port: url.port)
        let tls = url.scheme == .https ? self.tls : nil
        // SNI and certificate verification use the name; for an IP literal, the address.
        let serverName = url.address == nil ? url.host : nil
        return try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .connect(to: socketAddress) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    private func exchange(
        on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, url: FetchURL, authorization: String?,
        deadline: NIODeadline
    ) async throws(FetchFailure) -> Outcome {
        // The time limit: the channel is closed at the deadline, which ends the reads below.
        let underlying = channel.channel
        let timer = underlying.eventLoop.scheduleTask(deadline: deadline) { underlying.close(promise: nil) }
        defer { timer.cancel() }
        let maxBytes = settings.maxBytes
        let result: Result<Outcome, FetchFailure>
        do {
            result = try await channel.executeThenClose { (inbound, outbound) async throws -> Result<Outcome, FetchFailure> in
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: url.hostHeader)
                headers.add(name: "User-Agent", value: "switchboard-media/1")
                headers.add(name: "Accept", value: "*/*")
                headers.add(name: "Accept-Encoding", value: "identity")
                headers.add(name: "Connection", value: "close")
                if let authorization { headers.add(name: "Authorization", value: authorization) }
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)))
                try await outbound.write(.end(nil))

                var status = 0
                var body = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        status = Int(head.status.code)
                        if RedirectPolicy.isRedirect(status) {
                            return .success(.redirect(status: status, location: head.headers.first(name: "Location")))
                        }
                        if status >= 500 || status == 408 || status == 429 { return .failure(.transient("HTTP \(status) from \(url.host)")) }
                        guard status == 200 else { return .failure(.permanent("HTTP \(status) from \(url.host)")) }
                        if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
                            return .failure(.permanent("larger than \(maxBytes) bytes (Content-Length \(length))"))
                        }
                    case .body(let chunk):
                        guard body.readableBytes + chunk.readableBytes <= maxBytes else {
                            return .failure(.permanent("larger than \(maxBytes) bytes"))
                        }
                        var chunk = chunk
                        body.writeBuffer(&chunk)
                    case .end:
                        guard status == 200 else { return .failure(.transient("no response")) }
                        return .success(.body(Array(body.readableBytesView)))
                    }
                }
                return .failure(.transient(NIODeadline.now() >= deadline ? "timed out" : "connection closed before the response was complete"))
            }
        } catch {
            if NIODeadline.now() >= deadline { throw .transient("timed out") }
            if error is NIOSSLError { throw .permanent("TLS with \(url.host) failed: \(error)") }
            throw .transient("\(url.host): \(error)")
        }
        return try result.get()
    }
}
