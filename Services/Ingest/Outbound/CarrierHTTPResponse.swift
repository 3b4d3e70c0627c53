import Foundation

/// What a carrier's HTTP API answered.
struct CarrierHTTPResponse: Sendable, Equatable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]
}
