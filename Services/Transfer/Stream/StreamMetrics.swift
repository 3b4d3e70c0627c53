import Metrics

/// The live stream's metrics (docs/architecture.md section 6: no ids as labels).
enum StreamMetrics {
    static func open(_ count: Int) {
        Gauge(label: "switchboard_stream_connections").record(count)
    }

    static func sent(events: Int) {
        Counter(label: "switchboard_stream_events_sent_total").increment(by: events)
    }

    static func ended(_ reason: StreamEnd) {
        Counter(label: "switchboard_stream_ended_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    static func refused(_ reason: String) {
        Counter(label: "switchboard_stream_refused_total", dimensions: [("reason", reason)]).increment()
    }

    static func resync(_ reason: String) {
        Counter(label: "switchboard_stream_resyncs_total", dimensions: [("reason", reason)]).increment()
    }
}
