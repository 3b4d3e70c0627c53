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

    @Test func neverEchoesThePassword() {
        do {
            _ = try AMQPConfiguration(url: "amqp://sb:secret-password@127.0.0.1:5672/%2F?heartbeat=0")
            Issue.record("accepted heartbeat=0")
        } catch {
            #expect(!error.description.contains("secret-password"))
        }
    }
}
