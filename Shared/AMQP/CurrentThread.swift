import CRabbitMQ

/// The calling thread, as the system names it.
///
/// Foundation's `Thread.name` does not reach the system's name on Linux, so the threads the
/// services start themselves (the AMQP connections', the log writer's) kept the name of the
/// thread that started them — one of Swift's own — in `top -H`, `/proc/<pid>/task/*/comm`
/// and the thread dumps the tools take of a service that does not stop.
public enum CurrentThread {
    /// Names the calling thread: the first 15 bytes of `name`, whole characters only (all
    /// Linux keeps; the system would cut a longer one mid-character).
    public static func setSystemName(_ name: String) {
        _ = sb_name_this_thread(systemName(name))
    }

    /// `name` cut to what Linux keeps: 15 bytes, whole characters only.
    public static func systemName(_ name: String) -> String {
        var kept = ""
        for character in name {
            guard kept.utf8.count + String(character).utf8.count <= 15 else { break }
            kept.append(character)
        }
        return kept
    }
}
