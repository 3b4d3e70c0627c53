import Hummingbird
import SwitchboardModels

/// Checks the bearer token and continues the trace of every request once, into
/// ``SwitchboardRequestContext``, so routes ask the context who calls instead of each
/// verifying the token again. A missing or bad token is not refused here: routes that
/// need a caller (all but health, metrics, the OpenAPI document and carrier webhooks)
/// refuse it with 401 when they ask.
struct RequestIdentityMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.traceparent = TraceContext.child(of: request.headers[.traceparent])
        if request.headers[.authorization] != nil {
            do {
                context.authentication = .success(try await authenticator.identity(of: request))
            } catch {
                context.authentication = .failure(error)
            }
        }
        return try await next(request, context)
    }
}
