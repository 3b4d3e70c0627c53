/// Why a desktop's stream ends (besides the desktop going away).
enum StreamEnd: String, Sendable, Equatable {
    /// The desktop did not keep up: it is sent `resync` and closed.
    case fellBehind = "fell_behind"
    /// The replica is stopping (SIGTERM); the desktop reconnects to another with `Last-Event-ID`.
    case shutdown
    /// The token that opened the stream expired.
    case credentialExpired = "credential_expired"
    /// The desktop's connection closed before or while its stream was written.
    case disconnected
}
