import Foundation
import SwitchboardDatabase

/// A carrier's send API as pure rules: the request for a submission and the meaning of the
/// answer. The sender loop does the I/O, the retries and the bookkeeping.
protocol CarrierWireFormat: Sendable {
    /// The request for one submission; throws ``InvalidMessage`` naming the missing
    /// credential if one is absent (or the API URL or the reference is unusable).
    func request(for submission: CarrierSubmission) throws(InvalidMessage) -> CarrierHTTPRequest

    /// Classifies the answer (`headers` in any case). `now` is for `Retry-After` given as an
    /// HTTP date.
    func outcome(status: Int, headers: [String: String], body: [UInt8], submission: CarrierSubmission, now: Date) -> CarrierSendOutcome
}

/// The wire format of each carrier that sends over HTTP.
enum CarrierWireFormats {
    /// Nil for `amqp` (an external connector sends) and `simulator` (nothing leaves the house).
    static func wireFormat(for carrier: Carrier) -> (any CarrierWireFormat)? {
        switch carrier {
        case .twilio: return TwilioWireFormat()
        case .vonage: return VonageWireFormat()
        case .jasmin: return JasminWireFormat()
        case .kannel: return KannelWireFormat()
        case .amqp, .simulator: return nil
        }
    }
}
