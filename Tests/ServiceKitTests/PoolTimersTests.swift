import PostgresNIO
import SwitchboardDatabase
import Testing

/// A pool's idle timeout must not fall due with an idle connection's keep-alive: when the
/// keep-alive fired first, the idle timeout closed the connection under it, and its query
/// could be lost with the connection (a pool task that never ends, holding the pool's close
/// at shutdown; `DatabaseConfiguration.connectionIdleTimeout`).
@Suite("The pools' timers")
struct PoolTimersTests {
    @Test(arguments: ["work", "readiness"])
    func theIdleTimeoutIsFarFromEveryKeepAlive(pool: String) throws {
        let database = try DatabaseConfiguration(url: "postgres://u:p@127.0.0.1:5432/db", maxConnections: 10)
        let client = pool == "work" ? database.clientConfiguration : database.readinessClientConfiguration
        let keepAlive = try #require(client.options.keepAliveBehavior, "\(pool) pool: keep-alive is on").frequency
        let idle = client.options.connectionIdleTimeout
        var due = keepAlive
        while due < idle + .seconds(5) {
            let apart = due > idle ? due - idle : idle - due
            #expect(apart >= .seconds(5), "\(pool) pool: a keep-alive falls due \(apart) from the \(idle) idle timeout")
            due += keepAlive
        }
    }
}
