import Metrics

/// The service's own metrics (docs/architecture.md section 6: no phone numbers or ids as labels),
/// recorded after the transaction that made the change committed.
///
/// This file imports `Metrics` only: with Foundation in scope too, `Timer` would be ambiguous.
enum CallbackMetrics {
    static func scheduled(channel: CallbackChannel) {
        Counter(label: "switchboard_callback_scheduled_total", dimensions: [("channel", channel.rawValue)]).increment()
    }

    /// A callback fired: counted, and how late it fired (seconds from `due_at` to the
    /// claim, by the database's clock) recorded as a histogram in seconds: a swift-metrics
    /// `Timer`, which the Prometheus backend exposes with buckets from 5 ms to 10 s (a
    /// `Recorder` would get the value buckets 5…10000, useless for sub-second lateness).
    static func fired(channel: CallbackChannel, lateSeconds: Double) {
        Counter(label: "switchboard_callback_due_total", dimensions: [("channel", channel.rawValue)]).increment()
        Timer(label: "switchboard_callback_late_seconds", preferredDisplayUnit: .seconds).recordSeconds(max(0, lateSeconds))
    }

    static func completed(channel: CallbackChannel) {
        Counter(label: "switchboard_callback_completed_total", dimensions: [("channel", channel.rawValue)]).increment()
    }
}
