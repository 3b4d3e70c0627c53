import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// ``CarrierTransport`` over async-http-client: no redirects (a carrier API that redirects a
/// POST is misconfigured, and following it could send the SMS twice), a deadline per
/// request, answers read up to 256 KiB.
struct AsyncHTTPCarrierTransport: CarrierTransport {
    let http: CarrierHTTPClient
    static let maximumAnswer = 256 << 10

    /// The client ingest sends with (``CarrierHTTPClient`` makes it on first use), with as
    /// many connections per carrier host as messages in flight: with async-http-client's
    /// default of 8, requests queued for a connection and their deadline (which counts that
    /// wait) ran out while the carrier was answering, so SMS went twice without any fault.
    static func makeClient(connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func perform(_ request: CarrierHTTPRequest, timeout: Duration) async throws -> CarrierHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.headers.replaceOrAdd(name: "User-Agent", value: "Switchboard")
        if !request.body.isEmpty { outgoing.body = .bytes(request.body) }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let response = try await http.client.execute(outgoing, timeout: .nanoseconds(nanoseconds))
        var body = try await response.body.collect(upTo: Self.maximumAnswer)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return CarrierHTTPResponse(status: Int(response.status.code), headers: headers, body: body.readBytes(length: body.readableBytes) ?? [])
    }
}
