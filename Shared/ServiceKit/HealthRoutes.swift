import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import SwitchboardAMQP
import SwitchboardDatabase

/// `GET /health/live`, `GET /health/ready`, `GET /metrics`, `GET /openapi.yaml` on every service.
struct HealthRoutes: Sendable {
    let service: String
    let probe: DatabaseProbe
    let connections: [AMQPConnection]
    let gate: StartupGate
    let progress: ProgressRegistry
    let registry: PrometheusCollectorRegistry
    let openAPI: String
    let logger: Logger

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("/health/live") { _, _ in
            try JSONBody.response(["status": "ok", "service": service])
        }
        router.get("/health/ready") { _, _ in
            let checks = await readiness()
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return try JSONBody.response(
                ReadinessReport(status: ready ? "ready" : "not_ready", service: service, checks: checks),
                status: ready ? .ok : .serviceUnavailable
            )
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
    }

    private func readiness() async -> [String: String] {
        var checks: [String: String] = [:]
        let detached = connections.flatMap(\.detachedConsumerQueues)
        checks["amqp"] =
            !connections.allSatisfy(\.isConnected)
            ? "disconnected" : detached.isEmpty ? "ok" : "consumer detached: " + detached.sorted().joined(separator: ", ")
        checks["migrations"] = gate.isOpen ? "ok" : "pending"
        checks["postgres"] = await pingPostgres() ? "ok" : "unreachable"
        let stalled = progress.stalled
        checks["progress"] = stalled.isEmpty ? "ok" : "stalled: " + stalled.joined(separator: ", ")
        return checks
    }

    /// Answers within the probe's deadline (a second) whatever the database does.
    private func pingPostgres() async -> Bool {
        await probe.isReachable()
    }
}

struct ReadinessReport: Codable, Sendable {
    let status: String
    let service: String
    let checks: [String: String]
}
