import Hummingbird
import Metrics

/// Counts requests and their durations by method and status (no ids or numbers as labels).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let method = request.method.rawValue
            Counter(label: "switchboard_http_requests_total", dimensions: [("method", method), ("status", "\(status)")]).increment()
            Timer(label: "switchboard_http_request_duration_seconds", dimensions: [("method", method)], preferredDisplayUnit: .seconds)
                .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            throw error
        }
    }
}
