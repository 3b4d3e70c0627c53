import Foundation

/// Makes a carrier request over HTTP. The product uses ``AsyncHTTPCarrierTransport``; the
/// seam is here so that the sender's rules can be exercised without a network.
protocol CarrierTransport: Sendable {
    /// - Throws: when no answer came within `timeout` or the connection failed: the carrier
    ///   may or may not have taken the SMS, so the sender tries again (the documented window).
    func perform(_ request: CarrierHTTPRequest, timeout: Duration) async throws -> CarrierHTTPResponse
}
