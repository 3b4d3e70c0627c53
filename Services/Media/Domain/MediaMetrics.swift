import Metrics

/// The service's own metrics (no ids as labels), recorded after the commit.
///
/// This file imports `Metrics` only: with Foundation in scope too, `Timer` would be ambiguous.
enum MediaMetrics {
    static func stored(contentType: String, bytes: Int) {
        Counter(label: "switchboard_media_stored_total", dimensions: [("content_type", contentType)]).increment()
        Counter(label: "switchboard_media_stored_bytes_total").increment(by: bytes)
    }

    static func failed() {
        Counter(label: "switchboard_media_failed_total").increment()
    }

    static func intake(seconds: Double) {
        Timer(label: "switchboard_media_intake_seconds", preferredDisplayUnit: .seconds).recordSeconds(max(0, seconds))
    }
}
