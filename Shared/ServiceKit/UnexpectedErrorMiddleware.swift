import Hummingbird
import Logging
import SwitchboardDatabase

/// Turns an error no route mapped (the database unreachable, a stored row that cannot be
/// read) into a problem+json 500 like every other error answer, and logs it once with the
/// route, so a client never gets a bare or empty 500 and an operator sees why. A database
/// error the request's data caused (``InputDataError``, SQLSTATE class 22) is the
/// client's: 422 `invalid_input`.
struct UnexpectedErrorMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            if TransactionalHandler.unwrap(error) is DeadlineExceeded {
                logger.error(
                    "request timed out on the database",
                    metadata: [
                        "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)",
                    ])
                throw APIError(
                    status: .gatewayTimeout, code: "timeout", title: "Timed out",
                    detail: "The database did not answer in time; the request may or may not have been applied."
                )
            }
            if let input = InputDataError(error) {
                logger.notice(
                    "request refused by the database as invalid input",
                    metadata: [
                        "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "sql_state": "\(input.sqlState)",
                    ])
                throw APIError.invalid("A value of the request cannot be stored (\(input.message)).", code: "invalid_input")
            }
            logger.error(
                "request failed",
                metadata: [
                    "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(String(reflecting: error))",
                ])
            throw APIError(
                status: .internalServerError, code: "internal_error", title: "Internal error",
                detail: "The request could not be completed; the service logged why."
            )
        }
    }
}
