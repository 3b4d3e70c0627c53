import SwitchboardAMQP
import Testing

@Suite("AMQP URL")
struct AMQPConfigurationTests {
    @Test func readsEveryPart() throws {
        let configuration = try AMQPConfiguration(url: "amqp://sb:p%40ss@broker.internal:5673/%2F")
        #expect(configuration.host == "broker.internal")
        #expect(configuration.port == 5673)
        #expect(configuration.user == "sb")
        #expect(configuration.password == "p@ss")
        #expect(configuration.virtualHost == "/")
        #expect(configuration.heartbeatSeconds == 30)
    }

    /// How soon a half-open connection is noticed (two missed heartbeats).
    @Test func heartbeatComesFromTheQuery() throws {
        #expect(try AMQPConfiguration(url: "amqp://sb:x@127.0.0.1:5672/%2F?heartbeat=2").heartbeatSeconds == 2)
    }

    @Test(arguments: ["heartbeat=0", "heartbeat=601", "heartbeat=soon", "heartbeat", "frame_max=4096", "hearbeat=5"])
    func refusesWhatItDoesNotUnderstand(query: String) {
        #expect(throws: AMQPConfigurationError.self) {
            try AMQPConfiguration(url: "amqp://sb:x@127.0.0.1:5672/%2F?\(query)")
        }
    }

    /// The nodes of a cluster, in order of preference (section 10.5).
    @Test func aListNamesEveryNode() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://sb:x@node1:5701/%2F?heartbeat=5, amqp://sb:x@node2:5702/%2F?heartbeat=5,amqp://sb:x@node3/%2F?heartbeat=5")
        #expect(configuration.endpoints.map(\.description) == ["node1:5701", "node2:5702", "node3:5672"])
        #expect(configuration.host == "node1" && configuration.port == 5701)
        #expect(configuration.heartbeatSeconds == 5 && configuration.user == "sb")
    }

    @Test(arguments: [
        "amqp://sb:x@a:5701/%2F,amqp://other:x@b:5702/%2F",  // another user
        "amqp://sb:x@a:5701/%2F,amqp://sb:y@b:5702/%2F",  // another password
        "amqp://sb:x@a:5701/%2F,amqp://sb:x@b:5702/sales",  // another virtual host
        "amqp://sb:x@a:5701/%2F,amqp://sb:x@b:5702/%2F?heartbeat=5",  // other parameters
        "amqp://sb:x@a:5701/%2F,amqp://sb:x@a:5701/%2F",  // a node twice
        "amqp://sb:x@a:5701/%2F,",  // an empty item
        "amqp://sb:x@a:5701/%2F,http://b:5702/",  // not amqp
    ])
    func refusesAListThatDisagrees(url: String) {
        #expect(throws: AMQPConfigurationError.self) { try AMQPConfiguration(url: url) }
    }

    @Test func neverEchoesThePassword() {
        do {
            _ = try AMQPConfiguration(url: "amqp://sb:secret-password@127.0.0.1:5672/%2F?heartbeat=0")
            Issue.record("accepted heartbeat=0")
        } catch {
            #expect(!error.description.contains("secret-password"))
        }
    }

    /// Linux keeps 15 bytes of a thread's name (`pthread_setname_np` refuses a longer one).
    @Test func theThreadNameFitsWhatLinuxKeeps() {
        var configuration = AMQPConfiguration(connectionName: "ingest")
        #expect(configuration.threadName == "amqp-ingest")
        configuration.connectionName = "transfer-publish"
        #expect(configuration.threadName == "amqp-transfer-p")
        configuration.connectionName = "abcdefghié"  // "é" would end at byte 16: left out whole
        #expect(configuration.threadName == "amqp-abcdefghi")
        #expect(CurrentThread.systemName("log-writer") == "log-writer")
    }
}
