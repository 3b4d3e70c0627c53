/// The Server-Sent Events wire format (WHATWG HTML, "Server-sent events"): what the stream
/// writes, as bytes. Pure, so the framing rules are tested without a socket.
enum SSEFrame {
    /// How long a browser's `EventSource` waits before reconnecting, in milliseconds.
    static let retryMilliseconds = 2_000

    /// The first bytes of every stream: the reconnection delay.
    static var opening: String { "retry: \(retryMilliseconds)\n\n" }

    /// A comment line: keeps proxies and the client from timing the connection out.
    static var heartbeat: String { ": keep-alive\n\n" }

    /// One event. `data` is JSON (one line), but a line break in it would end the field, so
    /// every line becomes its own `data:` line, which the client joins with `\n` again.
    static func event(id: Int64, kind: DeskEventKind, data: String) -> String {
        var frame = "id: \(id)\nevent: \(kind.rawValue)\n"
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            frame += "data: \(line)\n"
        }
        return frame + "\n"
    }
}
