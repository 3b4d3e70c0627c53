import Foundation
import NIOConcurrencyHelpers
import SwitchboardAMQP
import Testing

/// A broker that stops reading a publisher's socket (RabbitMQ's memory or disk alarm blocks
/// publishing connections that way) leaves the connection thread blocked in `send()`, where
/// no wake-up reaches it. Stopping must still end the connection within its grace period,
/// so a service stops within its 10 s shutdown budget (issue #19).
@Suite("A publish blocked by the broker", .serialized)
struct BlockedPublishShutdownIntegrationTests {
    @Test func stoppingEndsAConnectionBlockedInSend() async throws {
        let proxied = try await ProxiedConnection.connect(name: "blocked-publisher", confirmTimeout: .seconds(60))
        defer { proxied.close() }
        let (proxy, connection) = (proxied.proxy, proxied.connection)

        // The "broker" stops reading: tens of megabytes fill every buffer on the way.
        proxy.freeze()
        let body = String(repeating: "x", count: 512 << 10)
        let publishing = Task {
            await connection.publish(batch: (0..<100).map { .test(exchange: "amq.direct", routingKey: "nowhere", text: body, id: "m-blocked-\($0)") })
        }
        try await Task.sleep(for: .seconds(2))

        let stopped = ContinuousClock.now
        connection.stop()
        try await TestEnvironment.waitUntil("the connection ended after stop", timeout: .seconds(15)) {
            proxied.hasEnded
        }
        let took = ContinuousClock.now - stopped
        #expect(took < .seconds(9), "stopped in \(took): within the services' shutdown budget")
        let outcomes = await publishing.value
        #expect(outcomes.allSatisfy { $0 != nil }, "nothing blocked was reported confirmed")
    }

    /// ServiceLifecycle cancels what has not stopped 9 s after SIGTERM and traps a second
    /// later. A connection whose thread waits for an answer the broker never gives (here a
    /// queue question sent into a frozen link) and which was already asked to stop
    /// gracefully must end within that second, not when the graceful stop's grace runs out.
    @Test func cancellationAfterAGracefulStopEndsABlockedConnectionWithinASecond() async throws {
        let proxied = try await ProxiedConnection.connect(name: "blocked-question")
        defer { proxied.close() }
        let (proxy, connection) = (proxied.proxy, proxied.connection)

        proxy.freeze()
        // The proxy looks at the flag between its 0.2 s polls.
        try await Task.sleep(for: .milliseconds(500))
        let asking = Task { try? await connection.manage(.messageCount(queue: "blocked-question")) }
        try await Task.sleep(for: .milliseconds(500))
        connection.stop()
        try await Task.sleep(for: .milliseconds(200))
        #expect(!proxied.hasEnded, "the thread is blocked, so the graceful stop alone has not ended it yet")

        let cancelled = ContinuousClock.now
        proxied.running.cancel()
        try await TestEnvironment.waitUntil("the connection ended after cancellation", timeout: .seconds(15)) {
            proxied.hasEnded
        }
        let took = ContinuousClock.now - cancelled
        #expect(took < .seconds(1), "ended \(took) after cancellation: within ServiceLifecycle's cancellation budget")
        _ = await asking.value
    }
}

/// A running connection to the broker through a ``FreezingProxy``, and whether its `run()`
/// has returned.
struct ProxiedConnection {
    let proxy: FreezingProxy
    let connection: AMQPConnection
    let running: Task<Void, Never>
    private let ended: NIOLockedValueBox<Bool>

    static func connect(name: String, confirmTimeout: Duration? = nil) async throws -> ProxiedConnection {
        let proxy = try FreezingProxy.start(upstreamPort: try #require(URLComponents(string: TestEnvironment.amqpURL)?.port ?? 5672))
        var configuration = try AMQPConfiguration(url: TestEnvironment.amqpURL, connectionName: name)
        configuration.endpoints = [AMQPEndpoint(host: configuration.host, port: proxy.port)]
        if let confirmTimeout { configuration.confirmTimeout = confirmTimeout }
        let connection = AMQPConnection(configuration: configuration, topology: AMQPTopology(), logger: TestEnvironment.logger)
        let ended = NIOLockedValueBox(false)
        let running = Task {
            try? await connection.run()
            ended.withLockedValue { $0 = true }
        }
        let proxied = ProxiedConnection(proxy: proxy, connection: connection, running: running, ended: ended)
        do {
            try await TestEnvironment.waitUntil("connected through the proxy", timeout: .seconds(20)) { connection.isConnected }
        } catch {
            proxied.close()
            throw error
        }
        return proxied
    }

    var hasEnded: Bool { ended.withLockedValue { $0 } }

    /// Cancels the connection and kills the proxy.
    func close() {
        running.cancel()
        proxy.stop()
    }
}

/// A TCP proxy to the broker in a child process (python3, as the end-to-end tests use),
/// which on SIGUSR1 stops reading what the client sends without closing anything: to the
/// client, a broker that blocked its connection.
struct FreezingProxy {
    let process: Process
    let port: Int

    static let script = """
        import os, select, signal, socket, sys, threading
        upstream_port = int(sys.argv[1])
        frozen = threading.Event()
        # The test process's threads block most signals, and a child started by Foundation's
        # Process inherits that mask: without this, SIGUSR1 stays pending for ever.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
        signal.signal(signal.SIGUSR1, lambda *_: frozen.set())
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        print(listener.getsockname()[1], flush=True)
        def pump(client):
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            for s in (client, upstream):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            while True:
                readable = [upstream] + ([] if frozen.is_set() else [client])
                ready, _, _ = select.select(readable, [], [], 0.2)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is client else client).sendall(data)
        # Python runs signal handlers on its main thread only: it must not block for long,
        # or the freeze waits for the next connection.
        listener.settimeout(0.1)
        while True:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            client.settimeout(None)
            threading.Thread(target=pump, args=(client,), daemon=True).start()
        """

    static func start(upstreamPort: Int) throws -> FreezingProxy {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(upstreamPort)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw TestFailure("the proxy did not start (python3 is needed): \(line)")
        }
        return FreezingProxy(process: process, port: port)
    }

    func freeze() { kill(process.processIdentifier, SIGUSR1) }

    /// Kills it; not `waitUntilExit()`, which can hang in an async test on Linux.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
    }
}
