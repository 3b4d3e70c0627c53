import Hummingbird
import Logging

/// Turns an error no route mapped (the database unreachable, a stored row that cannot be
/// read) into a problem+json 500 like every other error answer, and logs it once with the
/// route, so a client never gets a bare or empty 500 and an operator sees why.
struct UnexpectedErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            logger.error("request failed", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(String(reflecting: error))",
            ])
            throw APIError(
                status: .internalServerError, code: "internal_error", title: "Internal error",
                detail: "The request could not be completed; the service logged why."
            )
        }
    }
}
