import SwitchboardServiceKit

/// The live stream's limits, from the environment, validated at start.
///
/// | variable | default |
/// |---|---|
/// | `SWITCHBOARD_STREAM_HEARTBEAT_SECONDS` | `15` (1–60): a comment line at least this often |
/// | `SWITCHBOARD_STREAM_BUFFER_EVENTS` | `500` (10–100000): events held for one slow desktop |
/// | `SWITCHBOARD_STREAM_STALL_SECONDS` | `10` (1–300): a desktop whose buffer stays full (or whose write does not finish) this long gets `resync` and is closed |
/// | `SWITCHBOARD_STREAM_MAX_PER_AGENT` | `5` (1–100): streams one agent may hold (tabs) |
/// | `SWITCHBOARD_STREAM_MAX_CONNECTIONS` | `2000` (1–100000): streams one replica serves |
/// | `SWITCHBOARD_STREAM_REPLAY_SECONDS` | `3600` (60–604800): how long missed events can be replayed |
/// | `SWITCHBOARD_STREAM_QUEUE_SAMPLE_SECONDS` | `2` (1–60): how often supervisors' queue counts are sampled |
struct StreamSettings: Sendable, Equatable {
    var heartbeat: Duration = .seconds(15)
    var bufferEvents = 500
    var stallLimit: Duration = .seconds(10)
    var maxPerAgent = 5
    var maxConnections = 2_000
    var replayWindow: Duration = .seconds(3_600)
    var queueSample: Duration = .seconds(2)

    init() {}

    init(environment: EnvironmentVariables) throws(ConfigurationError) {
        heartbeat = .seconds(try environment.int("SWITCHBOARD_STREAM_HEARTBEAT_SECONDS", default: 15, in: 1...60))
        bufferEvents = try environment.int("SWITCHBOARD_STREAM_BUFFER_EVENTS", default: 500, in: 10...100_000)
        stallLimit = .seconds(try environment.int("SWITCHBOARD_STREAM_STALL_SECONDS", default: 10, in: 1...300))
        maxPerAgent = try environment.int("SWITCHBOARD_STREAM_MAX_PER_AGENT", default: 5, in: 1...100)
        maxConnections = try environment.int("SWITCHBOARD_STREAM_MAX_CONNECTIONS", default: 2_000, in: 1...100_000)
        replayWindow = .seconds(try environment.int("SWITCHBOARD_STREAM_REPLAY_SECONDS", default: 3_600, in: 60...604_800))
        queueSample = .seconds(try environment.int("SWITCHBOARD_STREAM_QUEUE_SAMPLE_SECONDS", default: 2, in: 1...60))
    }
}
