import HTTPTypes
import SwitchboardServiceKit

/// A stream refused for a limit (`SWITCHBOARD_STREAM_MAX_PER_AGENT`, `..._MAX_CONNECTIONS`).
enum StreamLimitError: Error, Equatable {
    case tooManyForAgent(limit: Int)
    case replicaFull(limit: Int)
    /// The replica is shutting down (SIGTERM): the desktop reconnects to another.
    case stopping

    /// 429 `too_many_streams` (one agent) or 503 `stream_capacity` (this replica, full or
    /// stopping: the gateway may try another).
    var apiError: APIError {
        switch self {
        case .tooManyForAgent(let limit):
            APIError(
                status: .tooManyRequests, code: "too_many_streams", title: "Too many streams",
                detail: "This agent already has \(limit) open streams; close one (another tab) first.")
        case .replicaFull(let limit):
            APIError(
                status: .serviceUnavailable, code: "stream_capacity", title: "Stream capacity reached",
                detail: "This replica serves \(limit) streams already; retry shortly.")
        case .stopping:
            APIError(
                status: .serviceUnavailable, code: "stream_capacity", title: "Replica stopping",
                detail: "This replica is shutting down; reconnect (another replica will serve the stream).")
        }
    }
}
